/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * show flows [top N] [by bytes|packets|duration] [host A] [net A/LEN]
 * [port P] [proto tcp|udp|icmp|N] [service NAME] [session ID]: the largest live
 * connections. No thread reads another's flow table: each worker gets the
 * request in its query block and walks its own table a bounded number of
 * slots per loop (vg_live_query_step); the main lcore merges the answers
 * when every worker has published one, without waiting in between.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_cycles.h>

#include "vg_con.h"

#define FLOWS_USAGE                                                                                \
	"show flows [top N] [by bytes|packets|duration] [host ADDR] [net ADDR/LEN] [port P] "      \
	"[proto tcp|udp|icmp|N] [service NAME] [session ID]: the largest live connections"

/* Seconds a worker has to answer. */
#define FLOWS_WAIT_S 2

static struct vg_flow_view merged[VG_LIVE_MAX_WORKERS * VG_LIVE_QUERY_TOP];
static uint16_t merged_worker[VG_LIVE_MAX_WORKERS * VG_LIVE_QUERY_TOP];

static bool
parse_addr(const char *s, struct vg_addr *a, bool *v4)
{
	uint8_t b[16];

	if (inet_pton(AF_INET, s, b) == 1) {
		vg_addr_from_v4(a, b);
		*v4 = true;
		return true;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		*v4 = false;
		return true;
	}
	return false;
}

static bool
parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	*v = strtoul(s, &end, 10);
	return *end == '\0' && *v >= min && *v <= max;
}

static bool
parse_net(char *s, struct vg_flow_filter *f)
{
	char *slash = strchr(s, '/');
	unsigned long len;
	bool v4;

	if (slash == NULL)
		return false;
	*slash = '\0';
	if (!parse_addr(s, &f->net, &v4) || !parse_uint(slash + 1, 0, v4 ? 32 : 128, &len))
		return false;
	f->net_bits = (uint8_t)(v4 ? 96 + len : len);
	f->have |= VG_FF_NET;
	return true;
}

static bool
parse_proto(const char *s, struct vg_flow_filter *f)
{
	static const struct {
		const char *name;
		uint8_t num;
	} names[] = {{"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"icmp6", 58}};
	unsigned long v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0) {
			f->proto = names[i].num;
			f->have |= VG_FF_PROTO;
			return true;
		}
	if (!parse_uint(s, 0, 255, &v))
		return false;
	f->proto = (uint8_t)v;
	f->have |= VG_FF_PROTO;
	return true;
}

static bool
parse_order(const char *s, uint8_t *order)
{
	static const char *const names[] = {"bytes", "packets", "duration"};

	for (uint8_t i = 0; i < 3; i++)
		if (strcmp(s, names[i]) == 0) {
			*order = i;
			return true;
		}
	return false;
}

/* One "keyword value" pair of the arguments; false when either is wrong. */
static bool
parse_pair(const char *key, char *val, struct vg_flow_filter *f, struct vg_con_flows *q)
{
	unsigned long v;
	bool v4;

	if (strcmp(key, "top") == 0 && parse_uint(val, 1, VG_LIVE_QUERY_TOP, &v)) {
		q->top = (uint16_t)v;
		return true;
	}
	if (strcmp(key, "by") == 0)
		return parse_order(val, &q->order);
	if (strcmp(key, "host") == 0 && parse_addr(val, &f->host, &v4)) {
		f->have |= VG_FF_HOST;
		return true;
	}
	if (strcmp(key, "net") == 0)
		return parse_net(val, f);
	if (strcmp(key, "port") == 0 && parse_uint(val, 0, 65535, &v)) {
		f->port = (uint16_t)v;
		f->have |= VG_FF_PORT;
		return true;
	}
	if (strcmp(key, "proto") == 0)
		return parse_proto(val, f);
	if (strcmp(key, "session") == 0 && parse_uint(val, 0, UINT32_MAX, &v)) {
		f->session = v;
		f->have |= VG_FF_SESSION;
		return true;
	}
	if (strcmp(key, "service") == 0 && strlen(val) < sizeof(f->service)) {
		strcpy(f->service, val);
		f->have |= VG_FF_SERVICE;
		return true;
	}
	return false;
}

/* The arguments after `show flows`; false (and a usage line) when wrong. */
static bool
parse_args(char *args, struct vg_flow_filter *f, struct vg_con_flows *q)
{
	char *save = NULL, *key, *val;

	for (key = strtok_r(args, " \t", &save); key != NULL; key = strtok_r(NULL, " \t", &save)) {
		val = strtok_r(NULL, " \t", &save);
		if (val == NULL || !parse_pair(key, val, f, q)) {
			vg_con_fail("usage: %s", FLOWS_USAGE);
			return false;
		}
	}
	return true;
}

static bool
workers_idle(const struct vg_live *live)
{
	for (uint16_t i = 0; i < live->nworkers; i++) {
		const struct vg_live_query *lq = &live->workers[i]->query;

		if (__atomic_load_n(&lq->done, __ATOMIC_ACQUIRE) != lq->req)
			return false;
	}
	return true;
}

static void
flows_start(char *args)
{
	struct vg_live *live = vg_con.cfg.live;
	struct vg_flow_filter f;
	struct vg_con_flows q = {.top = 10, .order = VG_ORDER_BYTES};

	memset(&f, 0, sizeof(f));
	if (args != NULL && !parse_args(args, &f, &q))
		return;
	if (live == NULL || live->nworkers == 0) {
		vg_con_printf("no workers\n");
		return;
	}
	if (!workers_idle(live)) {
		vg_con_fail(
			"a worker is still walking its table for the last show flows; try again");
		return;
	}
	q.req = live->workers[0]->query.req + 1;
	for (uint16_t i = 0; i < live->nworkers; i++) {
		struct vg_live_query *lq = &live->workers[i]->query;

		lq->filter = f;
		lq->order = q.order;
		lq->top = q.top;
		__atomic_store_n(&lq->req, q.req, __ATOMIC_RELEASE);
	}
	q.pending = true;
	q.deadline = rte_rdtsc() + FLOWS_WAIT_S * vg_con.hz;
	vg_con.flows = q;
}

static uint64_t
key_of(const struct vg_flow_view *v, uint8_t order)
{
	if (order == VG_ORDER_PACKETS)
		return v->pkts;
	if (order == VG_ORDER_DURATION)
		return v->last_ns > v->start_ns ? v->last_ns - v->start_ns : 0;
	return v->bytes;
}

static uint8_t sort_order;

static int
by_key(const void *a, const void *b)
{
	uint64_t ka = key_of(&merged[*(const uint32_t *)a], sort_order);
	uint64_t kb = key_of(&merged[*(const uint32_t *)b], sort_order);

	return ka < kb ? 1 : ka > kb ? -1 : 0;
}

static const char *
proto_name(uint8_t p, char *buf)
{
	if (p == 6)
		return "tcp";
	if (p == 17)
		return "udp";
	if (p == 1 || p == 58)
		return "icmp";
	sprintf(buf, "%u", p);
	return buf;
}

static void
print_flow(const struct vg_flow_view *v, uint16_t worker)
{
	char o[64], r[64], uid[32], pn[8];

	vg_addr_format(&v->orig_h, o, sizeof(o));
	vg_addr_format(&v->resp_h, r, sizeof(r));
	uid[vg_uid_format(v->uid_hi, v->uid_lo, uid)] = '\0';
	vg_con_printf("%-20s %6u %-5s %s:%u -> %s:%u packets %" PRIu64 " bytes %" PRIu64
		      " duration %.3f service %s session %" PRIu64 "\n",
		uid, worker, proto_name(v->ip_proto, pn), o, v->orig_p, r, v->resp_p, v->pkts,
		v->bytes, (double)key_of(v, VG_ORDER_DURATION) / 1e9,
		v->service[0] ? v->service : "-", v->session);
}

/* Every worker answered: the top entries over all of them. */
static void
flows_print(const struct vg_live *live)
{
	static uint32_t idx[VG_LIVE_MAX_WORKERS * VG_LIVE_QUERY_TOP];
	uint32_t n = 0;
	uint64_t matched = 0, walked = 0;

	for (uint16_t w = 0; w < live->nworkers; w++) {
		const struct vg_live_query *lq = &live->workers[w]->query;

		matched += lq->matched;
		walked += lq->walked;
		for (uint32_t i = 0; i < lq->n && i < VG_LIVE_QUERY_TOP; i++) {
			merged[n] = lq->view[i];
			merged_worker[n] = w;
			idx[n] = n;
			n++;
		}
	}
	sort_order = vg_con.flows.order;
	qsort(idx, n, sizeof(idx[0]), by_key);
	vg_con_printf("%" PRIu64 " of %" PRIu64 " live connections match\n", matched, walked);
	vg_con_printf("%-20s %6s %-5s %s\n", "uid", "worker", "proto", "flow");
	for (uint32_t i = 0; i < n && i < vg_con.flows.top; i++)
		print_flow(&merged[idx[i]], merged_worker[idx[i]]);
}

bool
vg_cmd_flows_poll(void)
{
	const struct vg_live *live = vg_con.cfg.live;

	if (live != NULL && workers_idle(live)) {
		flows_print(live);
		vg_con.flows.pending = false;
		return true;
	}
	if (rte_rdtsc() >= vg_con.flows.deadline) {
		vg_con_fail("the workers did not answer within %d s (stopping?); try again",
			FLOWS_WAIT_S);
		vg_con.flows.pending = false;
		return true;
	}
	return false;
}

struct flows_res {
	cmdline_fixed_string_t show, flows;
	cmdline_multi_string_t args;
};

static void
flows_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)cl;
	(void)data;
	flows_start(NULL);
	(void)res;
}

static void
flows_args_parsed(void *res, struct cmdline *cl, void *data)
{
	struct flows_res *r = res;

	(void)cl;
	(void)data;
	flows_start(r->args);
}

static cmdline_parse_token_string_t tk_show =
	TOKEN_STRING_INITIALIZER(struct flows_res, show, "show");
static cmdline_parse_token_string_t tk_flows =
	TOKEN_STRING_INITIALIZER(struct flows_res, flows, "flows");
static cmdline_parse_token_string_t tk_args =
	TOKEN_STRING_INITIALIZER(struct flows_res, args, TOKEN_STRING_MULTI);

cmdline_parse_inst_t vg_cmd_show_flows = {
	.f = flows_parsed,
	.help_str = FLOWS_USAGE,
	.tokens = {(void *)&tk_show, (void *)&tk_flows, NULL},
};

cmdline_parse_inst_t vg_cmd_show_flows_args = {
	.f = flows_args_parsed,
	.help_str = FLOWS_USAGE,
	.tokens = {(void *)&tk_show, (void *)&tk_flows, (void *)&tk_args, NULL},
};
