/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The load balancer's health checks (AWS NLB/GWLB target groups, GCP
 * health checks), answered by a thread of vigil's on ordinary kernel
 * sockets: on a collector VM they arrive through the exception path like any
 * other host traffic. TCP checks (--health-port): the port listens while
 * the sensor is healthy and is closed while it is not, so a check's SYN
 * gets a RST. HTTP checks (--health-http PORT[:PATH]): 200 while healthy,
 * 503 while not, 404 for another path. One connection at a time, each cut
 * after VG_HEALTH_IO_MS: a slow client holds the responder that long at
 * most. The main lcore judges health (vg_live_health.h) and sets it here.
 */
#ifndef VG_HEALTH_H
#define VG_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_HEALTH_MAX_TCP 4
#define VG_HEALTH_IO_MS   1000

struct vg_health_cfg {
	uint16_t tcp_port[VG_HEALTH_MAX_TCP];
	uint8_t ntcp;
	uint16_t http_port; /* 0: none */
	char http_path[128];
};

struct vg_health_counters {
	uint64_t tcp_accepted;   /* TCP checks answered (handshake completed) */
	uint64_t http_ok;        /* HTTP checks answered 200 */
	uint64_t http_unhealthy; /* answered 503 */
	uint64_t http_other;     /* answered 404 or 400, or cut off */
	uint64_t changes;        /* healthy <-> unhealthy */
};

/* The sensor's health, and why it is not healthy. */
enum vg_health_state {
	VG_HEALTH_HEALTHY = 0,
	VG_HEALTH_STARTING,    /* before the first judgement */
	VG_HEALTH_NOT_POLLING, /* a worker's poll loop did not move in a second */
	VG_HEALTH_PAUSED,      /* capture stopped from the console */
	VG_HEALTH_DROPPING,    /* sustained drops before analysis */
	VG_HEALTH_STOPPING,    /* the sensor is stopping */
	VG_HEALTH_STATES
};

/* "healthy", "starting", "not_polling", "capture_stopped", "dropping", "stopping". */
const char *vg_health_state_name(enum vg_health_state s);

/* Parses PORT[:PATH] into cfg (path default "/"); -1 when it does not. */
int vg_health_parse_http(struct vg_health_cfg *cfg, const char *spec);

/* Binds the ports and starts the thread; -1 with a one-line reason in err. */
int vg_health_start(const struct vg_health_cfg *cfg, char *err, size_t errlen);

/* Main lcore: the sensor's health now, with a reason in words when unhealthy. */
void vg_health_set(enum vg_health_state s, const char *why);

/* True while healthy; why[] gets the reason in words. */
bool vg_health_get(char *why, size_t len);
enum vg_health_state vg_health_get_state(void);
void vg_health_counters(struct vg_health_counters *c);

/* True while the responder runs. */
bool vg_health_enabled(void);

/* Stops the thread and closes the sockets. */
void vg_health_stop(void);

#endif /* VG_HEALTH_H */
