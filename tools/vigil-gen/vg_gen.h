/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen private interface: configuration, flow table, PRNG and frame builders.
 */
#ifndef VG_GEN_H
#define VG_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Frame sizes are on-wire Ethernet sizes including the 4 byte FCS, which is not captured. */
#define VG_GEN_FCS_LEN    4u
#define VG_GEN_MIN_FRAME  64u
#define VG_GEN_MAX_FRAME  9018u
#define VG_GEN_MIN_CAPLEN (VG_GEN_MIN_FRAME - VG_GEN_FCS_LEN)
/* Largest frame written: jumbo frame without FCS plus an 802.1Q tag, rounded up. */
#define VG_GEN_BUF_SIZE 9216u

/* Random payload bytes: payloads are copied from a random offset of this block. */
#define VG_GEN_FILL_SIZE 65536u
#define VG_GEN_FILL_MASK (VG_GEN_FILL_SIZE - 1)

/* Host pools. */
#define VG_GEN_NSERVERS     1024u
#define VG_GEN_NDNS_SERVERS 4u
#define VG_GEN_MIN_CLIENTS  64u
#define VG_GEN_MAX_CLIENTS  (1u << 22)
#define VG_GEN_EPHEM_LO     32768u
#define VG_GEN_EPHEM_HI     60999u

#define VG_GEN_MAX_FLOWS (1u << 24)

enum vg_gen_proto { VG_GEN_TCP = 0, VG_GEN_UDP, VG_GEN_ICMP, VG_GEN_NPROTO };

enum vg_gen_size_mode { VG_GEN_SIZE_FIXED = 0, VG_GEN_SIZE_RANGE, VG_GEN_SIZE_IMIX };

struct vg_gen_cfg {
	const char *out;                 /* output path, "-" for stdout */
	uint64_t npkts;                  /* total packets to write */
	uint32_t nflows;                 /* concurrent flows */
	uint64_t seed;                   /* PRNG seed */
	unsigned int mix[VG_GEN_NPROTO]; /* percent of flows per protocol */
	enum vg_gen_size_mode size_mode;
	uint32_t size_lo;      /* on-wire frame size (fixed, or range low end) */
	uint32_t size_hi;      /* range high end (== size_lo when fixed) */
	unsigned int rst_pct;  /* percent of established TCP flows closed by RST */
	unsigned int ipv6_pct; /* percent of flows over IPv6 */
	int vlan;              /* 802.1Q VLAN ID, -1 for untagged */
	uint64_t start;        /* first packet timestamp, seconds since the epoch */
	uint64_t rate;         /* packets per second (timestamp spacing) */
	bool apps; /* --apps: HTTP, TLS, SSH, SMTP, FTP payloads on 80, 443, 22, 25, 21 */
	bool quiet;
};

/* Application payloads of a TCP flow (--apps). */
enum vg_gen_app {
	VG_APP_NONE = 0,
	VG_APP_HTTP,
	VG_APP_TLS,
	VG_APP_SSH,
	VG_APP_SMTP,
	VG_APP_FTP,
	VG_APP_FTP_DATA
};

/* One flow slot; kept small so millions of concurrent flows stay cheap. */
struct vg_gen_flow {
	uint32_t cidx;      /* client host index */
	uint32_t sidx;      /* server host index */
	uint32_t cseq;      /* TCP: next client sequence number */
	uint32_t sseq;      /* TCP: next server sequence number */
	uint32_t label;     /* IPv6 flow label of the client side */
	uint16_t cport;     /* client port (ICMP: unused) */
	uint16_t sport;     /* server port */
	uint16_t cipid;     /* next IPv4 ID, client side */
	uint16_t sipid;     /* next IPv4 ID, server side */
	uint16_t left;      /* TCP exchanges, UDP/ICMP request (pairs) left */
	uint16_t req_left;  /* TCP: client segments left in this request */
	uint16_t resp_left; /* TCP: server segments left in this response */
	uint16_t id;        /* DNS transaction ID, ICMP echo identifier */
	uint16_t seq;       /* ICMP echo sequence, DNS query name selector */
	uint16_t dlen;      /* payload length of the pending request */
	uint8_t proto;      /* enum vg_gen_proto */
	uint8_t kind;       /* flow flavour, see vg_gen_flows.c */
	uint8_t state;      /* next packet to send */
	uint8_t ipv6;       /* 1 if the flow runs over IPv6 */
	uint8_t closer;     /* TCP: 1 if the server closes (FIN or RST) */
	uint8_t unacked;    /* TCP: server segments not yet ACKed by the client */
	uint8_t aux;        /* DNS: query type and rcode bits */
			    /* (DHCP: dlen counts the exchanges done, nonce is the xid) */
	uint8_t app;        /* enum vg_gen_app */
	uint8_t xchg;       /* --apps: the exchange under way (0 = the first) */
	uint32_t nonce;     /* --apps: varies the current exchange's messages */
	uint32_t moff;      /* --apps: bytes of the current message already sent */
	uint32_t mlen[2];   /* --apps: the current exchange's message lengths, per direction */
};

struct vg_gen {
	const struct vg_gen_cfg *cfg;
	uint64_t rng[4]; /* xoshiro256** state */
	struct vg_gen_flow *flows;
	uint16_t *cport; /* next ephemeral port per client host */
	uint32_t nclients;
	uint16_t mss4; /* MSS advertised over IPv4 */
	uint16_t mss6; /* MSS advertised over IPv6 */
	uint64_t flows_started;
	uint64_t udp_started; /* UDP flows started (--apps: the first is DHCP) */
	/* --apps: the data connection an FTP session's EPSV reply announced; the
	 * next flow to start is that connection. */
	struct {
		uint8_t set, ipv6;
		uint32_t cidx, sidx;
		uint16_t port, size;
	} ftp_data;
	uint8_t fill[VG_GEN_FILL_SIZE + VG_GEN_BUF_SIZE];
};

/* Direction of a packet inside a flow. */
#define VG_GEN_C2S 0
#define VG_GEN_S2C 1

/* TCP flags. */
#define VG_TCP_FIN 0x01
#define VG_TCP_SYN 0x02
#define VG_TCP_RST 0x04
#define VG_TCP_PSH 0x08
#define VG_TCP_ACK 0x10

static inline uint64_t
vg_gen_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256**: fast, good quality, fully deterministic for a given seed. */
static inline uint64_t
vg_gen_rand(struct vg_gen *g)
{
	uint64_t *s = g->rng;
	uint64_t r = vg_gen_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = vg_gen_rotl(s[3], 45);
	return r;
}

/* Uniform value in [0, n), n <= 2^32 (multiply-shift, bias is negligible here). */
static inline uint32_t
vg_gen_below(struct vg_gen *g, uint32_t n)
{
	return (uint32_t)(((vg_gen_rand(g) >> 32) * (uint64_t)n) >> 32);
}

/* vg_gen_flows.c */
int vg_gen_init(struct vg_gen *g, const struct vg_gen_cfg *cfg);
void vg_gen_fini(struct vg_gen *g);
uint32_t vg_gen_next(struct vg_gen *g, uint8_t *frame);

/* vg_gen_pkt.c */
uint32_t vg_gen_wire_size(struct vg_gen *g);
uint32_t vg_gen_paylen(struct vg_gen *g, const struct vg_gen_flow *f, uint32_t l4hdr, uint32_t min);
uint32_t vg_gen_pkt_tcp(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, int dir,
	uint8_t flags, uint32_t seq, uint32_t ack, uint32_t paylen);
uint32_t vg_gen_pkt_tcp_data(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, int dir,
	uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *data, uint32_t len);
uint32_t vg_gen_pkt_udp(
	struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, int dir, uint32_t paylen);
uint32_t vg_gen_pkt_dns(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, int dir);
uint32_t vg_gen_pkt_dhcp(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, int dir);
uint32_t vg_gen_pkt_echo(struct vg_gen *g, struct vg_gen_flow *f, uint8_t *frame, int dir);

/* vg_gen_app.c */
void vg_app_pick(struct vg_gen *g, struct vg_gen_flow *f);
void vg_app_exchange(struct vg_gen *g, struct vg_gen_flow *f, uint32_t xchg);
/* --apps: a response was sent whole (an FTP session's EPSV reply announces its data flow). */
void vg_app_sent(struct vg_gen *g, const struct vg_gen_flow *f);
uint32_t vg_app_slice(
	const struct vg_gen *g, const struct vg_gen_flow *f, int dir, uint32_t len, uint8_t *out);

#endif /* VG_GEN_H */
