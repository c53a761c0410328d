"""RabbitMQ side of Benchmarks/compare's queue part (pika, blocking connections).

run(port, producers, seconds, body, drain_timeout) measures one row:
- a durable classic queue `lienthong-compare` (declared durable, purged before the row);
- CONSUMERS consumer processes, each with one channel, prefetch 256, manual acks (one basic_ack per message);
- `producers` producer threads spread over up to PRODUCER_PROCESSES processes (so the GIL of one Python process does
  not cap the load); each has its own connection and channel in confirm mode and publishes persistent messages
  (delivery_mode 2), one at a time, each basic_publish returning when the broker has confirmed it (a durable
  queue's persistent message is confirmed once written to disk, or once consumed and acknowledged if that happened
  first);
- all producer connections are opened before the clock starts; they send for `seconds`; then the row waits until
  the consumers have acknowledged every confirmed message.
Returns the same fields as the gateway's rows in compare.py, and the consumers' CPU seconds (from connecting to
closing, idle polling included) as `consumer_cpu_seconds`.
"""
from __future__ import annotations

import multiprocessing as mp
import threading
import time

import pika

QUEUE = "lienthong-compare"
CONSUMERS = 2
PRODUCER_PROCESSES = 2
PREFETCH = 256


def _params(port: int) -> pika.ConnectionParameters:
    return pika.ConnectionParameters(host="127.0.0.1", port=port, heartbeat=0, blocked_connection_timeout=60,
                                     credentials=pika.PlainCredentials("guest", "guest"))


def _consumer(port: int, acked, ready, stop, cpu_out) -> None:
    cpu0 = _cpu()
    connection = pika.BlockingConnection(_params(port))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=PREFETCH)

    def on_message(ch, method, _properties, _body):
        ch.basic_ack(delivery_tag=method.delivery_tag)
        acked.value += 1

    channel.basic_consume(queue=QUEUE, on_message_callback=on_message, auto_ack=False)
    ready.set()
    while not stop.is_set():
        connection.process_data_events(time_limit=0.05)
    connection.close()
    with cpu_out.get_lock():
        cpu_out.value += _cpu() - cpu0


def _producers(port: int, threads: int, body: bytes, opened, go, deadline, confirmed, in_window, errors,
               latencies_out, cpu_out) -> None:
    properties = pika.BasicProperties(delivery_mode=2, content_type="application/json")
    lock = threading.Lock()
    samples: list[float] = []

    def producer() -> None:
        connection = pika.BlockingConnection(_params(port))
        channel = connection.channel()
        channel.confirm_delivery()
        with opened.get_lock():
            opened.value += 1
        go.wait()
        mine, local, failed, window = [], 0, 0, 0
        end = deadline.value
        while True:
            t0 = time.time()
            if t0 >= end:
                break
            try:
                channel.basic_publish(exchange="", routing_key=QUEUE, body=body, properties=properties,
                                      mandatory=True)
                t1 = time.time()
                local += 1
                if t1 <= end:
                    window += 1
                    mine.append((t1 - t0) * 1000)
            except (pika.exceptions.UnroutableError, pika.exceptions.NackError):
                failed += 1
        connection.close()
        with lock:
            samples.extend(mine)
        with confirmed.get_lock():
            confirmed.value += local
        with in_window.get_lock():
            in_window.value += window
        with errors.get_lock():
            errors.value += failed

    workers = [threading.Thread(target=producer) for _ in range(threads)]
    for w in workers:
        w.start()
    go.wait()
    cpu0 = _cpu()
    for w in workers:
        w.join()
    with cpu_out.get_lock():
        cpu_out.value += _cpu() - cpu0
    latencies_out.put(samples)


def run(port: int, producers: int, seconds: float, body: bytes, drain_timeout: float) -> dict:
    setup = pika.BlockingConnection(_params(port))
    channel = setup.channel()
    channel.queue_declare(queue=QUEUE, durable=True)
    channel.queue_purge(queue=QUEUE)
    setup.close()

    ctx = mp.get_context("fork")
    acked = [ctx.Value("q", 0, lock=False) for _ in range(CONSUMERS)]
    stop = ctx.Event()
    consumer_ready = [ctx.Event() for _ in range(CONSUMERS)]
    consumer_cpu = ctx.Value("d", 0.0)
    consumers = [ctx.Process(target=_consumer, args=(port, acked[i], consumer_ready[i], stop, consumer_cpu),
                             daemon=True) for i in range(CONSUMERS)]
    for c in consumers:
        c.start()
    for e in consumer_ready:
        if not e.wait(60):
            raise SystemExit("compare: a RabbitMQ consumer did not start")

    opened, confirmed, in_window, errors = (ctx.Value("q", 0) for _ in range(4))
    deadline, cpu = ctx.Value("d", 0.0), ctx.Value("d", 0.0)
    go = ctx.Event()
    latencies = ctx.Queue()
    split = [producers // PRODUCER_PROCESSES + (1 if i < producers % PRODUCER_PROCESSES else 0)
             for i in range(PRODUCER_PROCESSES)]
    procs = [ctx.Process(target=_producers, args=(port, k, body, opened, go, deadline, confirmed, in_window, errors,
                                                  latencies, cpu), daemon=True) for k in split if k > 0]
    for p in procs:
        p.start()
    limit = time.time() + 60
    while opened.value < producers and time.time() < limit:
        time.sleep(0.01)
    if opened.value < producers:
        raise SystemExit("compare: RabbitMQ producer connections did not open")
    start = time.time()
    deadline.value = start + seconds
    go.set()
    samples: list[float] = []
    for _ in procs:
        samples += latencies.get(timeout=seconds + 120)
    for p in procs:
        p.join(30)
    target = confirmed.value
    limit = time.time() + drain_timeout
    while sum(a.value for a in acked) < target and time.time() < limit:
        time.sleep(0.01)
    end = time.time()
    consumed = sum(a.value for a in acked)
    stop.set()
    for c in consumers:
        c.join(30)
    samples.sort()

    def pct(q: float) -> float:
        return samples[min(len(samples) - 1, int(len(samples) * q))] if samples else -1

    return {"producers": producers, "system": "rabbitmq", "accepted": in_window.value,
            "accepts_per_s": in_window.value / seconds, "accept_p50_ms": pct(0.5), "accept_p99_ms": pct(0.99),
            "errors": errors.value, "first_error": "nack or unroutable" if errors.value else "",
            "sent_total": target, "delivered": consumed, "complete": consumed >= target,
            "end_to_end_seconds": end - start, "end_to_end_per_s": min(consumed, target) / (end - start),
            "client_cpu_seconds": cpu.value, "consumer_cpu_seconds": consumer_cpu.value}


def _cpu() -> float:
    """CPU seconds (user + system) of this process: what a producer or consumer process cost."""
    import resource
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
