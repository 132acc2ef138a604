/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The metrics server: ADDR:PORT parsing, a port in use, and real scrapes over
 * loopback (status, content type, body, other paths and methods), with a
 * client that connects and says nothing holding up no one.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "vg_metrics_http.h"
#include "vg_test.h"

static void
test_parse(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[512];

	CHECK(vg_metrics_parse_listen("127.0.0.1:9100", &ss, &len, err, sizeof(err)) == 0);
	CHECK(ss.ss_family == AF_INET && ntohs(((struct sockaddr_in *)&ss)->sin_port) == 9100);
	CHECK(vg_metrics_parse_listen("[::1]:9101", &ss, &len, err, sizeof(err)) == 0);
	CHECK(ss.ss_family == AF_INET6 && ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) == 9101);
	CHECK(vg_metrics_parse_listen(":9102", &ss, &len, err, sizeof(err)) == 0);
	CHECK(ss.ss_family == AF_INET &&
		((struct sockaddr_in *)&ss)->sin_addr.s_addr == htonl(INADDR_ANY));
	CHECK(vg_metrics_parse_listen("localhost:9103", &ss, &len, err, sizeof(err)) == 0);
	static const char *const bad[] = {"", "9100", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:91x0", "::1:9100", "[::1]9100", "[::1",
		"no-such-host.invalid:9100", "1.2.3.4.5:80"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK(vg_metrics_parse_listen(bad[i], &ss, &len, err, sizeof(err)) != 0);
		CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
	}
	CHECK(vg_metrics_parse_listen(NULL, &ss, &len, err, sizeof(err)) != 0);
}

/* A loopback port nobody listens on now. */
static int
free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &len);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int
connect_to(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {.tv_sec = 5};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One HTTP/1.0 request; the whole answer (headers and body) in buf. */
static size_t
request(int port, const char *req, char *buf, size_t cap)
{
	int fd = connect_to(port);
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(fd);
		return 0;
	}
	while (got + 1 < cap && (n = read(fd, buf + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	return got;
}

static unsigned fills;

static void
fill(struct vg_prom *p, void *ctx)
{
	struct vg_prom_label l[] = {{"port", "0"}};

	fills++;
	vg_prom_family(p, "t_rx_packets_total", VG_PROM_COUNTER, "test");
	vg_prom_u64(p, l, 1, *(const uint64_t *)ctx);
}

static void
test_serve(void)
{
	static char buf[65536];
	char err[512];
	uint64_t value = 42;
	int port = free_port(), fd, fd2;
	char spec[64];

	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	fd = vg_metrics_listen("--metrics-listen", spec, err, sizeof(err));
	CHECK(fd >= 0);
	/* The same port again: in use, said in one line that names the option. */
	err[0] = '\0';
	fd2 = vg_metrics_listen("--metrics-listen", spec, err, sizeof(err));
	CHECK(fd2 < 0);
	CHECK(strstr(err, "--metrics-listen") == err && strstr(err, "in use") != NULL);
	/* An address this host does not have. */
	CHECK(vg_metrics_listen("--metrics-listen", "192.0.2.1:9100", err, sizeof(err)) < 0);
	CHECK(strstr(err, "no interface") != NULL);

	struct vg_metrics_server *s = vg_metrics_start(fd, fill, &value, err, sizeof(err));

	CHECK(s != NULL);
	if (s == NULL)
		return;
	/* A client that connects and sends nothing must not hold the scrape up. */
	int silent = connect_to(port);

	CHECK(silent >= 0);
	request(port, "GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	CHECK(strncmp(buf, "HTTP/1.0 200", 12) == 0 || strncmp(buf, "HTTP/1.1 200", 12) == 0);
	CHECK(strstr(buf, "Content-Type: text/plain; version=0.0.4") != NULL);
	CHECK(strstr(buf,
		      "\r\n\r\n# HELP t_rx_packets_total test\n"
		      "# TYPE t_rx_packets_total counter\n"
		      "t_rx_packets_total{port=\"0\"} 42\n") != NULL);
	value = 43; /* each scrape builds the text anew */
	request(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", buf,
		sizeof(buf));
	CHECK(strstr(buf, "t_rx_packets_total{port=\"0\"} 43\n") != NULL);
	request(port, "GET /other HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	CHECK(strstr(buf, " 404 ") != NULL);
	request(port, "POST /metrics HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", buf, sizeof(buf));
	CHECK(strstr(buf, " 405 ") != NULL);
	request(port, "garbage\r\n\r\n", buf, sizeof(buf));
	CHECK(strstr(buf, "t_rx_packets_total") == NULL);
	CHECK_EQ(vg_metrics_scrapes(s), 2);
	CHECK_EQ(fills, 2);
	close(silent);
	vg_metrics_stop(s);
	/* Stopped: the port is free again and nothing answers. */
	CHECK(connect_to(port) < 0);
	fd = vg_metrics_listen("--metrics-listen", spec, err, sizeof(err));
	CHECK(fd >= 0);
	close(fd);
}

int
main(void)
{
	test_parse();
	test_serve();
	printf("metrics-http: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed != 0;
}
