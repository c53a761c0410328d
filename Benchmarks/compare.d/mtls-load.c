/*
 * mtls-load: a closed-loop (or, with --rate, open-loop) HTTP/1.1 load generator over mutual TLS with keep-alive connections (OpenSSL,
 * one thread per connection, blocking I/O). Benchmarks/compare uses it for every path it measures, so the
 * gateway, nginx and the simulator are driven by the same client code.
 *
 *   mtls-load --port P --ca ca.pem --cert member.pem --key member-key.pem --path /x --bodies FILE \
 *             [--host 127.0.0.1] [--method POST] [--header 'K: V']... [--connections N] [--seconds S]
 *             [--warmup W] [--expect 200] [--rate R]
 *
 * FILE holds one request body per line (cycled; the line break is not sent). Every occurrence of the
 * placeholder "@@ID@@" followed by 30 more "@" (36 characters) in a body is replaced by a fresh random UUID per request
 * (message ids). All connections are opened (TLS handshake included) before the clock starts; then W seconds of
 * warm-up, not counted, then S seconds measured: a request counts when it started and finished in the window and
 * its status is --expect. Anything else (other status, closed connection, TLS error) is an error; the connection
 * is then replaced. With --rate R the load is an open loop instead: R requests/s in all, spread evenly over the
 * connections, each request's latency measured from the instant it was due (a request counts when it was due in the
 * window, whenever it finished). Prints one JSON object: requests, errors, seconds, rps, p50_ms, p99_ms, cpu_seconds (this
 * process, user + system, during the window), accepted_total (--expect answers to requests started in the
 * window, including those that finished after it: what a queue must still deliver), window_start
 * (CLOCK_REALTIME seconds) and first_error.
 *
 * Build: cc -O2 -pthread -o mtls-load mtls-load.c -lssl -lcrypto
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PLACEHOLDER "@@ID@@" "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@"
#define PLACEHOLDER_LEN 36
_Static_assert(sizeof(PLACEHOLDER) - 1 == PLACEHOLDER_LEN, "placeholder length");

static const char *host = "127.0.0.1", *method = "POST", *path = "/", *ca, *cert, *key, *bodies_file;
static int port, connections = 1, expect = 200;
static double seconds = 10, warmup = 1, rate = 0; /* rate > 0: open loop, requests/s over all connections */
static char extra_headers[8192];
static char **bodies;
static size_t *body_lens;
static size_t body_count;
static SSL_CTX *ctx;
static double window_start, window_end; /* CLOCK_MONOTONIC seconds */
static pthread_barrier_t ready, go;
static pthread_mutex_t error_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_error[256];

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void note_error(const char *fmt, ...) {
    pthread_mutex_lock(&error_lock);
    if (!first_error[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(first_error, sizeof first_error, fmt, ap);
        va_end(ap);
        for (char *c = first_error; *c; c++) if (*c == '"' || *c == '\\' || *c < 0x20) *c = ' ';
    }
    pthread_mutex_unlock(&error_lock);
}

static void die(const char *msg) {
    fprintf(stderr, "mtls-load: %s\n", msg);
    ERR_print_errors_fp(stderr);
    exit(2);
}

typedef struct {
    int fd;
    SSL *ssl;
    char buf[65536];
    size_t start, end; /* unread bytes in buf */
} conn_t;

static void conn_close(conn_t *c) {
    if (c->ssl) { SSL_free(c->ssl); c->ssl = NULL; }
    if (c->fd >= 0) { close(c->fd); c->fd = -1; }
    c->start = c->end = 0;
}

static int conn_open(conn_t *c) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    char port_s[16];
    snprintf(port_s, sizeof port_s, "%d", port);
    if (getaddrinfo(host, port_s, &hints, &res) != 0) { note_error("cannot resolve %s", host); return -1; }
    c->fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (c->fd < 0 || connect(c->fd, res->ai_addr, res->ai_addrlen) != 0) {
        note_error("connect: %s", strerror(errno));
        freeaddrinfo(res);
        conn_close(c);
        return -1;
    }
    freeaddrinfo(res);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->ssl = SSL_new(ctx);
    SSL_set_fd(c->ssl, c->fd);
    X509_VERIFY_PARAM *param = SSL_get0_param(c->ssl);
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) == 1) X509_VERIFY_PARAM_set1_ip_asc(param, host);
    else { X509_VERIFY_PARAM_set1_host(param, host, 0); SSL_set_tlsext_host_name(c->ssl, host); }
    if (SSL_connect(c->ssl) != 1) {
        unsigned long e = ERR_get_error();
        char msg[200];
        ERR_error_string_n(e, msg, sizeof msg);
        note_error("TLS handshake: %s", msg);
        ERR_clear_error();
        conn_close(c);
        return -1;
    }
    c->start = c->end = 0;
    return 0;
}

static int write_all(conn_t *c, const char *data, size_t len) {
    while (len > 0) {
        int n = SSL_write(c->ssl, data, (int)len);
        if (n <= 0) { note_error("write failed"); return -1; }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Makes at least one more byte available in buf; 0 on success. */
static int fill(conn_t *c) {
    if (c->start > 0 && c->start == c->end) c->start = c->end = 0;
    if (c->end == sizeof c->buf) {
        if (c->start == 0) { note_error("response header too large"); return -1; }
        memmove(c->buf, c->buf + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
    }
    int n = SSL_read(c->ssl, c->buf + c->end, (int)(sizeof c->buf - c->end));
    if (n <= 0) { note_error("connection closed by the server"); ERR_clear_error(); return -1; }
    c->end += (size_t)n;
    return 0;
}

/* Reads one line (without CRLF) into out; 0 on success. */
static int read_line(conn_t *c, char *out, size_t cap) {
    for (;;) {
        char *nl = memchr(c->buf + c->start, '\n', c->end - c->start);
        if (nl) {
            size_t len = (size_t)(nl - (c->buf + c->start));
            size_t copy = len < cap - 1 ? len : cap - 1;
            memcpy(out, c->buf + c->start, copy);
            out[copy] = 0;
            if (copy > 0 && out[copy - 1] == '\r') out[copy - 1] = 0;
            c->start += len + 1;
            return 0;
        }
        if (fill(c) != 0) return -1;
    }
}

static int skip_bytes(conn_t *c, size_t n) {
    while (n > 0) {
        if (c->start == c->end && fill(c) != 0) return -1;
        size_t have = c->end - c->start, take = have < n ? have : n;
        c->start += take;
        n -= take;
    }
    return 0;
}

/* Reads one response; returns the status (or -1) and sets *close_after. */
static int read_response(conn_t *c, int *close_after) {
    char line[8192];
    if (read_line(c, line, sizeof line) != 0) return -1;
    int status = 0;
    if (sscanf(line, "HTTP/1.%*d %d", &status) != 1) { note_error("bad status line"); return -1; }
    long length = -1;
    int chunked = 0;
    *close_after = 0;
    for (;;) {
        if (read_line(c, line, sizeof line) != 0) return -1;
        if (!line[0]) break;
        char *colon = strchr(line, ':');
        if (!colon) continue;
        *colon = 0;
        char *value = colon + 1;
        while (*value == ' ' || *value == '\t') value++;
        if (!strcasecmp(line, "content-length")) length = atol(value);
        else if (!strcasecmp(line, "transfer-encoding") && strcasestr(value, "chunked")) chunked = 1;
        else if (!strcasecmp(line, "connection") && strcasestr(value, "close")) *close_after = 1;
    }
    if (chunked) {
        for (;;) {
            if (read_line(c, line, sizeof line) != 0) return -1;
            long size = strtol(line, NULL, 16);
            if (size == 0) {
                do { if (read_line(c, line, sizeof line) != 0) return -1; } while (line[0]);
                break;
            }
            if (skip_bytes(c, (size_t)size) != 0 || read_line(c, line, sizeof line) != 0) return -1;
        }
    } else if (length >= 0) {
        if (skip_bytes(c, (size_t)length) != 0) return -1;
    } else {
        *close_after = 1; /* body until close: drain */
        while (fill(c) == 0) c->start = c->end;
    }
    return status;
}

typedef struct {
    int index;
    double *lat;
    size_t count, cap;
    long errors;
    long accepted; /* --expect answers to requests started in the window, finished in it or not */
} worker_t;

static void random_uuid(char out[37]) {
    unsigned char b[16];
    RAND_bytes(b, sizeof b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static void *worker(void *arg) {
    worker_t *w = arg;
    conn_t *c = calloc(1, sizeof *c);
    c->fd = -1;
    int opened = conn_open(c) == 0;
    pthread_barrier_wait(&ready);
    pthread_barrier_wait(&go);
    if (!opened) w->errors++;
    size_t i = (size_t)w->index;
    long k = 0;
    double interval = rate > 0 ? connections / rate : 0;
    double base = window_start - warmup + (rate > 0 ? w->index / rate : 0);
    char *request = NULL;
    size_t request_cap = 0;
    for (;;) {
        double t0;
        if (rate > 0) {
            /* Open loop: this connection's k-th request is due at base + k * interval; its latency runs from that
             * instant, so a server that falls behind is charged for the wait (no coordinated omission). */
            t0 = base + (double)k++ * interval;
            if (t0 >= window_end) break;
            if (t0 > now()) {
                struct timespec due = {.tv_sec = (time_t)t0, .tv_nsec = (long)((t0 - (double)(time_t)t0) * 1e9)};
                while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR) {}
            }
        } else {
            t0 = now();
            if (t0 >= window_end) break;
        }
        if (c->fd < 0 && conn_open(c) != 0) { if (t0 >= window_start) w->errors++; usleep(10000); continue; }
        const char *body = bodies[i % body_count];
        size_t blen = body_lens[i % body_count];
        i += (size_t)connections;
        size_t need = blen + strlen(extra_headers) + strlen(path) + 256;
        if (need > request_cap) { request_cap = need; request = realloc(request, request_cap); }
        int head = snprintf(request, request_cap, "%s %s HTTP/1.1\r\nHost: %s\r\n%sContent-Length: %zu\r\n\r\n",
                            method, path, host, extra_headers, blen);
        memcpy(request + head, body, blen);
        char *p = request + head;
        while ((p = memmem(p, (size_t)(request + head + blen - p), PLACEHOLDER, PLACEHOLDER_LEN)) != NULL) {
            char id[37];
            random_uuid(id);
            memcpy(p, id, PLACEHOLDER_LEN);
            p += PLACEHOLDER_LEN;
        }
        int close_after = 0, status = -1;
        if (write_all(c, request, (size_t)head + blen) == 0) status = read_response(c, &close_after);
        double t1 = now();
        int counted = t0 >= window_start && (rate > 0 || t1 <= window_end);
        if (status == expect) {
            if (t0 >= window_start) w->accepted++;
            if (counted) {
                if (w->count == w->cap) { w->cap = w->cap ? w->cap * 2 : 4096; w->lat = realloc(w->lat, w->cap * sizeof(double)); }
                w->lat[w->count++] = (t1 - t0) * 1000;
            }
        } else {
            if (status > 0) note_error("unexpected status %d", status);
            if (counted || t0 >= window_start) w->errors++;
            close_after = close_after || status < 0;
        }
        if (close_after) conn_close(c);
    }
    conn_close(c);
    free(c);
    free(request);
    return NULL;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void load_bodies(void) {
    FILE *f = fopen(bodies_file, "r");
    if (!f) die("cannot open the bodies file");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (n == 0) continue;
        bodies = realloc(bodies, (body_count + 1) * sizeof *bodies);
        body_lens = realloc(body_lens, (body_count + 1) * sizeof *body_lens);
        bodies[body_count] = strdup(line);
        body_lens[body_count] = (size_t)n;
        body_count++;
    }
    free(line);
    fclose(f);
    if (body_count == 0) die("the bodies file is empty");
}

static double cpu_now(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv) {
    for (int a = 1; a < argc; a++) {
        const char *opt = argv[a], *val = a + 1 < argc ? argv[a + 1] : NULL;
        if (!val) die("every option takes a value");
        a++;
        if (!strcmp(opt, "--host")) host = val;
        else if (!strcmp(opt, "--port")) port = atoi(val);
        else if (!strcmp(opt, "--ca")) ca = val;
        else if (!strcmp(opt, "--cert")) cert = val;
        else if (!strcmp(opt, "--key")) key = val;
        else if (!strcmp(opt, "--method")) method = val;
        else if (!strcmp(opt, "--path")) path = val;
        else if (!strcmp(opt, "--bodies")) bodies_file = val;
        else if (!strcmp(opt, "--connections")) connections = atoi(val);
        else if (!strcmp(opt, "--seconds")) seconds = atof(val);
        else if (!strcmp(opt, "--warmup")) warmup = atof(val);
        else if (!strcmp(opt, "--rate")) rate = atof(val);
        else if (!strcmp(opt, "--expect")) expect = atoi(val);
        else if (!strcmp(opt, "--header")) {
            if (strlen(extra_headers) + strlen(val) + 3 >= sizeof extra_headers) die("too many headers");
            strcat(extra_headers, val);
            strcat(extra_headers, "\r\n");
        } else { fprintf(stderr, "mtls-load: unknown option %s\n", opt); return 2; }
    }
    if (!port || !ca || !cert || !key || !bodies_file || connections < 1) die("--port, --ca, --cert, --key and --bodies are required");
    load_bodies();
    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) die("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) die("cannot load the CA");
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) die("cannot load the certificate");
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) die("cannot load the key");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);

    pthread_t *threads = calloc((size_t)connections, sizeof *threads);
    worker_t *workers = calloc((size_t)connections, sizeof *workers);
    pthread_barrier_init(&ready, NULL, (unsigned)connections + 1);
    pthread_barrier_init(&go, NULL, (unsigned)connections + 1);
    for (int t = 0; t < connections; t++) {
        workers[t].index = t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        if (pthread_create(&threads[t], &attr, worker, &workers[t]) != 0) die("pthread_create");
        pthread_attr_destroy(&attr);
    }
    pthread_barrier_wait(&ready); /* every connection is open */
    window_start = now() + warmup; /* set before the second barrier releases the workers */
    window_end = window_start + seconds;
    struct timespec real;
    clock_gettime(CLOCK_REALTIME, &real);
    double real_start = real.tv_sec + real.tv_nsec / 1e9 + warmup;
    pthread_barrier_wait(&go);
    /* CPU of the window: sampled at its edges by this (otherwise idle) thread. */
    double wait = window_start - now();
    if (wait > 0) usleep((useconds_t)(wait * 1e6));
    double cpu0 = cpu_now();
    wait = window_end - now();
    if (wait > 0) usleep((useconds_t)(wait * 1e6));
    double cpu1 = cpu_now();
    size_t total = 0;
    long errors = 0, accepted = 0;
    for (int t = 0; t < connections; t++) {
        pthread_join(threads[t], NULL);
        total += workers[t].count;
        errors += workers[t].errors;
        accepted += workers[t].accepted;
    }
    double *all = malloc((total ? total : 1) * sizeof(double));
    size_t k = 0;
    for (int t = 0; t < connections; t++) {
        memcpy(all + k, workers[t].lat, workers[t].count * sizeof(double));
        k += workers[t].count;
        free(workers[t].lat);
    }
    qsort(all, total, sizeof(double), cmp_double);
    double p50 = total ? all[(size_t)(total * 0.50) < total ? (size_t)(total * 0.50) : total - 1] : -1;
    double p99 = total ? all[(size_t)(total * 0.99) < total ? (size_t)(total * 0.99) : total - 1] : -1;
    printf("{\"connections\": %d, \"rate\": %.1f, \"seconds\": %.3f, \"requests\": %zu, \"errors\": %ld, \"accepted_total\": %ld, \"rps\": %.1f, "
           "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"cpu_seconds\": %.3f, \"window_start\": %.6f, \"first_error\": \"%s\"}\n",
           connections, rate, seconds, total, errors, accepted, total / seconds, p50, p99, cpu1 - cpu0, real_start, first_error);
    return 0;
}
