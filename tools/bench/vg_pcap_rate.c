/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-pcap-rate: the rate at which libpcap alone reads a capture file. It opens FILE with
 * pcap_open_offline(), reads every packet with pcap_next_ex() and touches its first byte so
 * the read is real, then prints one line:
 *
 *   pcap-rate: <packets> packets <bytes> bytes <secs> s <Mpps> Mpps
 *
 * <bytes> is the sum of the captured lengths. The clock runs from just before the first
 * pcap_next_ex() to just after the last, like the timing vigil -r --stats reports. This is
 * the raw read limit that vigil -r is compared to by tools/bench/bench.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#define VG_PROG "vigil-pcap-rate"

/* The sum of the touched bytes is stored here so the compiler cannot drop the reads. */
volatile unsigned int vg_pcap_rate_sink;

static double
vg_mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
vg_usage(FILE *out)
{
	fprintf(out,
		"Usage: " VG_PROG " FILE\n"
		"Read a pcap or pcapng file with libpcap alone and print the read rate:\n"
		"  pcap-rate: <packets> packets <bytes> bytes <secs> s <Mpps> Mpps\n");
}

int
main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint64_t pkts = 0, bytes = 0;
	unsigned int sink = 0;
	pcap_t *p;
	double t0, secs;
	int rc;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		vg_usage(stdout);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr,
			VG_PROG ": expected exactly one argument, the pcap FILE (-h for help)\n");
		return 1;
	}

	errbuf[0] = '\0';
	p = pcap_open_offline(argv[1], errbuf);
	if (p == NULL) {
		/* libpcap names the file in some messages but not in others */
		if (strncmp(errbuf, argv[1], strlen(argv[1])) == 0)
			fprintf(stderr, VG_PROG ": %s\n", errbuf);
		else
			fprintf(stderr, VG_PROG ": %s: %s\n", argv[1], errbuf);
		return 1;
	}

	t0 = vg_mono_now();
	while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
		pkts++;
		bytes += hdr->caplen;
		if (hdr->caplen > 0)
			sink += data[0];
	}
	secs = vg_mono_now() - t0;

	if (rc == PCAP_ERROR) {
		fprintf(stderr, VG_PROG ": %s: read error after %" PRIu64 " packets: %s\n", argv[1],
			pkts, pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);

	vg_pcap_rate_sink = sink;

	printf("pcap-rate: %" PRIu64 " packets %" PRIu64 " bytes %.6f s %.3f Mpps\n", pkts, bytes,
		secs, secs > 0 ? (double)pkts / secs / 1e6 : 0.0);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, VG_PROG ": cannot write to stdout\n");
		return 1;
	}
	return 0;
}
