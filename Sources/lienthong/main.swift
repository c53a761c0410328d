import ArgumentParser
import NIOCore
import NIOPosix

// Run Swift concurrency on NIO's event loops: handlers, adapters and the audit writer then hop
// between threads far less (measured with `lienthong bench sync`). Must happen before any task starts.
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

/// ArgumentParser's async entry point. It lives in an async function because in top-level code
/// `main()` and `run()` resolve to their synchronous overloads, which cannot run async commands.
func runLienthong() async {
    await Lienthong.main()
}

await runLienthong()
