/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vg_pcap_source.h"

/* Packets of one burst are copied here: libpcap reuses its buffer per packet. */
#define ARENA_SIZE (4u << 20)

struct vg_pcap_source {
	pcap_t *pcap;
	FILE *fp;
	int link;
	int nano;
	uint64_t size;
	uint8_t *arena;
	char err[PCAP_ERRBUF_SIZE + 64];
	int failed;
};

struct vg_pcap_source *
vg_pcap_open(const char *path, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct vg_pcap_source *src;
	struct stat st = {0};
	/* "-" is standard input, as for tcpdump -r - and zeek -r -. */
	bool std_in = strcmp(path, "-") == 0;

	if (!std_in && stat(path, &st) != 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is a directory, not a capture file", path);
		return NULL;
	}
	src = calloc(1, sizeof(*src));
	if (src == NULL || (src->arena = malloc(ARENA_SIZE)) == NULL) {
		free(src);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* Microseconds, as Zeek reads captures: nanosecond files are cut to µs. */
	src->pcap = pcap_open_offline(path, perr);
	if (src->pcap == NULL) {
		snprintf(err, errlen, "%s is not a readable pcap or pcapng file (%s)",
			std_in ? "standard input" : path, perr);
		free(src->arena);
		free(src);
		return NULL;
	}
	src->nano = 0;
	src->link = pcap_datalink(src->pcap);
	src->fp = pcap_file(src->pcap);
	src->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	return src;
}

int
vg_pcap_set_filter(struct vg_pcap_source *src, const char *expr, char *err, size_t errlen)
{
	struct bpf_program prog;

	if (pcap_compile(src->pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "%s", pcap_geterr(src->pcap));
		return -1;
	}
	int rc = pcap_setfilter(src->pcap, &prog);

	if (rc != 0)
		snprintf(err, errlen, "%s", pcap_geterr(src->pcap));
	pcap_freecode(&prog);
	return rc == 0 ? 0 : -1;
}

void
vg_pcap_close(struct vg_pcap_source *src)
{
	if (src == NULL)
		return;
	pcap_close(src->pcap);
	free(src->arena);
	free(src);
}

int
vg_pcap_link(const struct vg_pcap_source *src)
{
	return src->link;
}

/*
 * A record's time in ns. Classic pcap stores the seconds as 32 bits, which
 * libpcap hands over sign-extended: from 2038-01-19 (2^31 s) they would turn
 * negative. Read as unsigned, as pcapng's 64-bit times already are, they run
 * to 2106. (A negative value can only come from that 32-bit field.)
 */
static inline uint64_t
ts_ns(const struct vg_pcap_source *src, const struct pcap_pkthdr *h)
{
	uint64_t sec = h->ts.tv_sec < 0 ? (uint32_t)h->ts.tv_sec : (uint64_t)h->ts.tv_sec;

	return sec * 1000000000ULL + (uint32_t)h->ts.tv_usec * (src->nano ? 1ULL : 1000ULL);
}

uint16_t
vg_pcap_read_burst(struct vg_pcap_source *src, struct vg_raw_pkt *pkts, uint16_t n)
{
	uint32_t used = 0;
	uint16_t got = 0;

	if (src->failed)
		return 0;
	while (got < n) {
		struct pcap_pkthdr *h;
		const u_char *data;
		int rc = pcap_next_ex(src->pcap, &h, &data);

		if (rc == PCAP_ERROR_BREAK)
			break;
		if (rc != 1) {
			snprintf(src->err, sizeof(src->err), "%s", pcap_geterr(src->pcap));
			src->failed = 1;
			break;
		}
		/* At least 256 KiB are free here; longer packets are cut to that. */
		uint32_t cap = h->caplen < 262144 ? h->caplen : 262144;

		memcpy(src->arena + used, data, cap);
		pkts[got].data = src->arena + used;
		pkts[got].cap_len = cap;
		pkts[got].wire_len = h->len < cap ? cap : h->len;
		pkts[got].rx_cksum = 0;
		pkts[got].ts_ns = ts_ns(src, h);
		used += (cap + 63u) & ~63u;
		got++;
		if (ARENA_SIZE - used < 262144)
			break;
	}
	return got;
}

const char *
vg_pcap_error(const struct vg_pcap_source *src)
{
	return src->failed ? src->err : NULL;
}

uint64_t
vg_pcap_offset(const struct vg_pcap_source *src)
{
	long off = src->fp ? ftell(src->fp) : -1;

	return off < 0 ? 0 : (uint64_t)off;
}

uint64_t
vg_pcap_size(const struct vg_pcap_source *src)
{
	return src->size;
}
