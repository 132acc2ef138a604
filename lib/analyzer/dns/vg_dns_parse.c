/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DNS message interpreter. It walks a message the way Zeek's
 * DNS_Interpreter does (src/analyzer/protocol/dns/DNS.cc): the same order,
 * the same bounds (every read checks the bytes left in the whole message, not
 * only in the record's RDATA, and a record parser that stops short or reads
 * past RDATA leaves the position where it stopped), the same weird names. It
 * renders each answer the way base/protocols/dns/main.zeek's reply handlers
 * do. With init-bare.zeek's dns_skip_all_auth = T and dns_skip_all_addl = T
 * the authority and additional sections are never walked, except the update
 * section of a dynamic update (opcode 5), which the script logs.
 *
 * Names are read iteratively (a compression pointer must point before
 * itself, so chains end; no recursion, so no deep stack on a 64 KiB TCP
 * message) into a 512-byte buffer as Zeek's are.
 */
#include <stdio.h>
#include <string.h>

#include "vg_common.h"
#include "vg_dns.h"

enum {
	TYPE_A = 1,
	TYPE_NS = 2,
	TYPE_CNAME = 5,
	TYPE_SOA = 6,
	TYPE_WKS = 11,
	TYPE_PTR = 12,
	TYPE_HINFO = 13,
	TYPE_MX = 15,
	TYPE_TXT = 16,
	TYPE_AAAA = 28,
	TYPE_LOC = 29,
	TYPE_NBS = 32,
	TYPE_SRV = 33,
	TYPE_NAPTR = 35,
	TYPE_A6 = 38,
	TYPE_EDNS = 41,
	TYPE_DS = 43,
	TYPE_SSHFP = 44,
	TYPE_RRSIG = 46,
	TYPE_NSEC = 47,
	TYPE_DNSKEY = 48,
	TYPE_NSEC3 = 50,
	TYPE_NSEC3PARAM = 51,
	TYPE_SVCB = 64,
	TYPE_HTTPS = 65,
	TYPE_SPF = 99,
	TYPE_TKEY = 249,
	TYPE_TSIG = 250,
	TYPE_CAA = 257,
	TYPE_BINDS = 65534,
};

enum { CLASS_NONE = 254, CLASS_ANY = 255, TYPE_ANY = 255 };

/* One message being walked. `data`/`len` are the position and bytes left. */
struct px {
	const uint8_t *msg;
	const struct vg_dns_parse_opts *o;
	const struct vg_dns_events *ev;
	void *u;
	struct vg_dns_hdr h;
	enum vg_dns_section sec;
	bool skip_event; /* Zeek's msg->skip_event: a section read only to get past it */
	const uint8_t *data;
	int len;
	/* The record being read (Zeek's DNS_MsgInfo query_name/atype/aclass/ttl). */
	char owner[VG_DNS_NAME_MAX + 1];
	uint32_t owner_len;
	uint16_t atype, aclass;
	uint32_t ttl;
	/* Its rendering. */
	char text[VG_DNS_ANSWER_MAX];
	uint32_t tlen;
};

static void
weird(struct px *p, const char *name, const char *addl)
{
	if (p->ev->weird)
		p->ev->weird(p->u, name, addl);
}

static void
weird_num(struct px *p, const char *name, long v)
{
	char b[24];

	snprintf(b, sizeof(b), "%ld", v);
	weird(p, name, b);
}

static uint16_t
get16(struct px *p)
{
	if (p->len < 2)
		return 0;
	uint16_t v = vg_be16(p->data);

	p->data += 2;
	p->len -= 2;
	return v;
}

static uint32_t
get32(struct px *p)
{
	if (p->len < 4)
		return 0;
	uint32_t v = vg_be32(p->data);

	p->data += 4;
	p->len -= 4;
	return v;
}

/* Zeek's ExtractStream: skips min(left, max(n, 0)) bytes; returns where they start. */
static const uint8_t *
take(struct px *p, int n, int *got)
{
	const uint8_t *s = p->data;
	int k = n < 0 ? 0 : n;

	if (k > p->len)
		k = p->len;
	p->data += k;
	p->len -= k;
	if (got)
		*got = k;
	return s;
}

static void
skip_rdata(struct px *p, int rdlength)
{
	p->data += rdlength;
	p->len -= rdlength;
}

/*
 * Zeek's ExtractName/ExtractLabel: labels joined by '.', no trailing dot,
 * at most VG_DNS_NAME_MAX bytes; downcased unless asked not to (a part
 * reached through a compression pointer is downcased either way, as Zeek's
 * recursive call does). Returns the length; name is NUL-terminated.
 */
static uint32_t
read_name(struct px *p, char *name, bool downcase)
{
	const uint8_t *d = p->data;
	int l = p->len;
	int budget = VG_DNS_NAME_MAX;
	uint32_t n = 0, level_start = 0, lower_from = downcase ? 0 : UINT32_MAX;
	bool jumped = false;

	for (;;) {
		if (l <= 0)
			break;
		const uint8_t *orig = d;
		int label_len = d[0];

		d++;
		l--;
		if (l <= 0 || label_len == 0)
			break;
		if ((label_len & 0xc0) == 0xc0) {
			unsigned off = (unsigned)(label_len & 0x3f) << 8 | d[0];

			d++;
			l--;
			if (off >= (unsigned)(orig - p->msg)) {
				weird(p, "DNS_label_forward_compress_offset", NULL);
				break;
			}
			if (!jumped) {
				p->data = d;
				p->len = l;
				jumped = true;
			}
			d = p->msg + off;
			l = (int)(orig - d);
			level_start = n;
			if (lower_from > n)
				lower_from = n;
			continue;
		}
		if (label_len > l) {
			weird(p, "DNS_label_len_gt_pkt", NULL);
			d += l;
			l = 0;
			break;
		}
		if (label_len > 63 && p->o->resp_port != 137) {
			weird(p, "DNS_label_too_long", NULL);
			break;
		}
		if (label_len >= budget) {
			weird(p, "DNS_label_len_gt_name_len", NULL);
			break;
		}
		memcpy(name + n, d, (size_t)label_len);
		name[n + (uint32_t)label_len] = '.';
		n += (uint32_t)label_len + 1;
		budget -= label_len + 1;
		d += label_len;
		l -= label_len;
	}
	if (!jumped) {
		p->data = d;
		p->len = l;
	}
	/*
	 * Zeek checks the length at every level of its recursion: the deepest
	 * level still has its trailing dot, the outer ones see it removed.
	 */
	uint32_t deep = n - level_start;
	uint32_t outer = (jumped && deep >= 2) ? n - 1 : n;

	if (deep >= 255 || outer >= 255)
		weird(p, "DNS_NAME_too_long", NULL);
	if (n >= 2 && name[n - 1] == '.')
		n--;
	name[n] = '\0';
	for (uint32_t i = lower_from; i < n; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			name[i] = (char)(name[i] - 'A' + 'a');
	return n;
}

/* ---- Rendering ---- */

static void
out(struct px *p, const char *s, uint32_t n)
{
	uint32_t room = (uint32_t)sizeof(p->text) - p->tlen;

	if (n > room)
		n = room;
	memcpy(p->text + p->tlen, s, n);
	p->tlen += n;
}

static void
outs(struct px *p, const char *s)
{
	out(p, s, (uint32_t)strlen(s));
}

static void
outf_u(struct px *p, const char *prefix, unsigned long v)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%s%lu", prefix, v);

	out(p, b, (uint32_t)n);
}

static void
qtype_str(struct px *p, uint16_t t)
{
	char b[24];

	outs(p, vg_dns_qtype_name(t, b, sizeof(b)));
}

static void
emit(struct px *p)
{
	if (p->ev->answer && !p->skip_event)
		p->ev->answer(
			p->u, &p->h, p->sec, p->owner, p->owner_len, p->ttl, p->text, p->tlen);
}

static bool
is_update(const struct px *p)
{
	return p->h.opcode == VG_DNS_OP_UPDATE && p->o->resp_port != 137;
}

/* ---- Record types (DNS.cc ParseRR_*) ---- */

static bool
rr_a(struct px *p, int rdlength)
{
	if (rdlength != 4) {
		weird(p, "DNS_RR_bad_length", NULL);
		return false;
	}
	struct vg_addr a;
	uint8_t b[4];
	char s[64];
	uint32_t v = get32(p);

	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
	vg_addr_from_v4(&a, b);
	vg_addr_format(&a, s, sizeof(s));
	if (is_update(p)) {
		outs(p, "A ");
		out(p, p->owner, p->owner_len);
		outs(p, " ");
	}
	outs(p, s);
	emit(p);
	return true;
}

static bool
rr_aaaa(struct px *p)
{
	struct vg_addr a;
	char s[64];

	for (int i = 0; i < 4; i++) {
		uint32_t v = get32(p);

		a.b[4 * i] = (uint8_t)(v >> 24);
		a.b[4 * i + 1] = (uint8_t)(v >> 16);
		a.b[4 * i + 2] = (uint8_t)(v >> 8);
		a.b[4 * i + 3] = (uint8_t)v;
	}
	vg_addr_format(&a, s, sizeof(s));
	if (is_update(p)) {
		outs(p, p->atype == TYPE_AAAA ? "AAAA " : "A6 ");
		out(p, p->owner, p->owner_len);
		outs(p, " ");
	}
	outs(p, s);
	emit(p);
	return true;
}

/* NS, CNAME, PTR; MX and SRV with their fixed prefix; SOA's two names. */
static bool
rr_name(struct px *p, int rdlength, int fixed, int names)
{
	const uint8_t *start = p->data;
	char name[VG_DNS_NAME_MAX + 1], other[VG_DNS_NAME_MAX + 1];
	uint32_t n;

	for (int i = 0; i < fixed; i++)
		(void)get16(p);
	n = read_name(p, name, true);
	if (names == 2) {
		(void)read_name(p, other, true);
		if (p->len < 20)
			return false;
		for (int i = 0; i < 5; i++)
			(void)get32(p);
	}
	if (p->data - start != rdlength)
		weird(p, "DNS_RR_length_mismatch", NULL);
	out(p, name, n);
	emit(p);
	return true;
}

/* Zeek's extract_char_string: false when none is left or it overruns RDATA. */
static bool
char_string(struct px *p, int *rdlen, const uint8_t **s, int *n)
{
	if (*rdlen <= 0)
		return false;
	int size = p->data[0];

	(*rdlen)--;
	p->len--;
	p->data++;
	if (size > *rdlen) {
		weird(p, "DNS_TXT_char_str_past_rdlen", NULL);
		return false;
	}
	*s = p->data;
	*n = size;
	*rdlen -= size;
	p->len -= size;
	p->data += size;
	return true;
}

static bool
rr_txt(struct px *p, int rdlength, const char *what)
{
	const uint8_t *s;
	int n, i = 0;

	while (char_string(p, &rdlength, &s, &n)) {
		if (i++ > 0)
			outs(p, " ");
		outs(p, what);
		outf_u(p, " ", (unsigned long)n);
		outs(p, " ");
		out(p, (const char *)s, (uint32_t)n);
	}
	emit(p);
	return rdlength == 0;
}

static const char *
algo_weird(unsigned algo, bool rrsig)
{
	switch (algo) {
	case 1:
		return rrsig ? "DNSSEC_RRSIG_NotRecommended_ZoneSignAlgo"
			     : "DNSSEC_DNSKEY_NotRecommended_ZoneSignAlgo";
	case 2:
	case 3:
	case 4:
	case 5:
	case 6:
	case 7:
	case 8:
	case 10:
	case 12:
	case 13:
	case 14:
		return NULL;
	case 252:
		return rrsig ? "DNSSEC_RRSIG_Indirect_ZoneSignAlgo"
			     : "DNSSEC_DNSKEY_Indirect_ZoneSignAlgo";
	case 253:
		return rrsig ? "DNSSEC_RRSIG_PrivateDNS_ZoneSignAlgo"
			     : "DNSSEC_DNSKEY_PrivateDNS_ZoneSignAlgo";
	case 254:
		return rrsig ? "DNSSEC_RRSIG_PrivateOID_ZoneSignAlgo"
			     : "DNSSEC_DNSKEY_PrivateOID_ZoneSignAlgo";
	default:
		return rrsig ? "DNSSEC_RRSIG_unknown_ZoneSignAlgo"
			     : "DNSSEC_DNSKEY_unknown_ZoneSignAlgo";
	}
}

static bool
rr_rrsig(struct px *p, int rdlength)
{
	if (p->len < 18)
		return false;
	unsigned covered = get16(p);
	unsigned algo = get16(p) >> 8;
	char name[VG_DNS_NAME_MAX + 1];

	for (int i = 0; i < 3; i++)
		(void)get32(p);
	(void)get16(p);
	const uint8_t *start = p->data;
	uint32_t n = read_name(p, name, true);

	take(p, rdlength - (int)((p->data - start) + 18), NULL);
	const char *w = algo_weird(algo, true);

	if (w)
		weird_num(p, w, (long)algo);
	outf_u(p, "RRSIG ", covered);
	outs(p, " ");
	if (n == 0)
		outs(p, "<Root>");
	else
		out(p, name, n);
	emit(p);
	return true;
}

static bool
rr_dnskey(struct px *p, int rdlength)
{
	if (p->len < 4)
		return false;
	unsigned flags = get16(p);
	unsigned pa = get16(p);
	unsigned proto = pa >> 8, algo = pa & 0xff;

	take(p, rdlength - 4, NULL);
	if ((flags & 0xfe7e) != 0)
		weird_num(p, "DNSSEC_DNSKEY_Invalid_Flag", (long)flags);
	if ((flags & 0x0181) == 0x0181)
		weird_num(p, "DNSSEC_DNSKEY_Revoked_KSK", (long)flags);
	if (proto != 3)
		weird_num(p, "DNSSEC_DNSKEY_Invalid_Protocol", (long)proto);
	const char *w = algo_weird(algo, false);

	if (w)
		weird_num(p, w, (long)algo);
	outf_u(p, "DNSKEY ", algo);
	emit(p);
	return true;
}

static void
type_bitmaps(struct px *p, int left, const char *zero_weird)
{
	while (left > 0 && p->len > 0) {
		unsigned v = get16(p);
		int bmlen = (int)(v & 0xff);

		if (bmlen == 0) {
			weird_num(p, zero_weird, (long)(v >> 8));
			break;
		}
		take(p, bmlen, NULL);
		left -= 2 + bmlen;
	}
}

static bool
rr_nsec(struct px *p, int rdlength)
{
	const uint8_t *start = p->data;
	char name[VG_DNS_NAME_MAX + 1];
	uint32_t n = read_name(p, name, true);

	type_bitmaps(p, rdlength - (int)(p->data - start), "DNSSEC_NSEC_bitmapLen0");
	outs(p, "NSEC ");
	out(p, p->owner, p->owner_len);
	outs(p, " ");
	out(p, name, n);
	emit(p);
	return true;
}

/* NSEC3 and NSEC3PARAM: hash algorithm, flags, iterations, salt (and hash, bitmaps). */
static bool
rr_nsec3(struct px *p, int rdlength, bool param)
{
	if (p->len < (param ? 5 : 6))
		return false;
	const uint8_t *start = p->data;

	(void)get16(p);
	(void)get16(p);
	for (int i = 0; i < (param ? 1 : 2); i++) {
		int n = 0;

		if (p->len > 0) {
			n = p->data[0];
			p->data++;
			p->len--;
		}
		take(p, n, NULL);
	}
	if (!param)
		type_bitmaps(p, rdlength - (int)(p->data - start), "DNSSEC_NSEC3_bitmapLen0");
	outs(p, param ? "NSEC3PARAM" : "NSEC3");
	emit(p);
	return true;
}

static bool
rr_ds(struct px *p, int rdlength)
{
	if (p->len < 4)
		return false;
	(void)get16(p);
	unsigned ad = get16(p);
	unsigned algo = ad >> 8, dtype = ad & 0xff;

	take(p, rdlength - 4, NULL);
	if (dtype == 0)
		weird_num(p, "DNSSEC_DS_ReservedDigestType", (long)dtype);
	else if (dtype > 4)
		weird_num(p, "DNSSEC_DS_unknown_DigestType", (long)dtype);
	outf_u(p, "DS ", algo);
	outf_u(p, " ", dtype);
	emit(p);
	return true;
}

static bool
rr_binds(struct px *p, int rdlength)
{
	if (p->len < 5)
		return false;
	(void)get32(p);
	take(p, rdlength - 4, NULL);
	outs(p, "BIND9 signing signal");
	emit(p);
	return true;
}

static bool
rr_sshfp(struct px *p, int rdlength)
{
	static const char hex[] = "0123456789abcdef";
	int n;

	if (p->len < 2)
		return false;
	(void)get16(p);
	const uint8_t *fp = take(p, rdlength - 2, &n);

	outs(p, "SSHFP: ");
	for (int i = 0; i < n; i++) {
		char b[2] = {hex[fp[i] >> 4], hex[fp[i] & 15]};

		out(p, b, 2);
	}
	emit(p);
	return true;
}

static bool
rr_loc(struct px *p)
{
	if (p->len < 15)
		return false;
	unsigned vs = get16(p), hv = get16(p);
	char b[64];

	for (int i = 0; i < 3; i++)
		(void)get32(p);
	if ((vs >> 8) != 0)
		weird_num(p, "DNS_LOC_version_unrecognized", (long)(vs >> 8));
	snprintf(b, sizeof(b), "LOC:  %u %u %u", vs & 0xff, hv >> 8, hv & 0xff);
	outs(p, b);
	emit(p);
	return true;
}

static bool
rr_svcb(struct px *p, int rdlength)
{
	const uint8_t *start = p->data;
	char name[VG_DNS_NAME_MAX + 1];

	if (p->len < 3) {
		weird(p, "DNS_SVBC_wrong_length", NULL);
		return false;
	}
	(void)get16(p);
	(void)read_name(p, name, false);
	int parsed = (int)(p->data - start);

	if (parsed < rdlength)
		skip_rdata(p, rdlength - parsed);
	/* dns_SVCB / dns_HTTPS: no base script handles them, so nothing is logged. */
	return true;
}

/*
 * NAPTR (RFC 3403): order, preference, flags, service, regexp, replacement,
 * rendered as main.zeek's dns_NAPTR_reply handler does.
 */
static bool
rr_naptr(struct px *p, int rdlength)
{
	const uint8_t *start = p->data;
	const uint8_t *s[3] = {NULL, NULL, NULL};
	int n[3] = {0, 0, 0};
	int rd = rdlength - 4;
	char name[VG_DNS_NAME_MAX + 1];

	if (p->len < 4 || rdlength < 4)
		return false;
	unsigned order = get16(p), pref = get16(p);

	for (int i = 0; i < 3; i++)
		if (!char_string(p, &rd, &s[i], &n[i]))
			return false;
	uint32_t nl = read_name(p, name, true);

	if (p->data - start != rdlength)
		weird(p, "DNS_RR_length_mismatch", NULL);
	outf_u(p, "NAPTR ", order);
	outf_u(p, " ", pref);
	outs(p, " ");
	out(p, (const char *)s[0], (uint32_t)n[0]);
	outs(p, " ");
	out(p, (const char *)s[1], (uint32_t)n[1]);
	outs(p, " ");
	out(p, (const char *)s[2], (uint32_t)n[2]);
	if (n[2] > 0 && nl > 0)
		outs(p, " ");
	out(p, name, nl);
	emit(p);
	return true;
}

/* EDNS OPT: Zeek walks options over the rest of the message, not RDATA. */
static bool
rr_edns(struct px *p)
{
	while (p->len >= 4) {
		unsigned code = get16(p);
		int olen = get16(p);

		if (olen > p->len)
			break;
		int rest = olen;

		if (code == 8 && olen > 4) { /* client subnet */
			unsigned family = vg_be16(p->data);
			unsigned src = p->data[2];
			char b[64];

			rest = olen - 4;
			if (family == 1 || family == 2) {
				unsigned max = family == 1 ? 32 : 128;

				if (src > max) {
					snprintf(b, sizeof(b), "%u bits", src);
					weird(p,
						family == 1 ? "EDNS_ECS_invalid_addr_v4_prefix"
							    : "EDNS_ECS_invalid_addr_v6_prefix",
						b);
				} else if ((int)src > rest * 8) {
					snprintf(b, sizeof(b), "need %u bits, have %d bits", src,
						rest * 8);
					weird(p,
						family == 1 ? "EDNS_ECS_invalid_addr_v4"
							    : "EDNS_ECS_invalid_addr_v6",
						b);
				}
			}
		} else if (code == 8) {
			weird(p, "EDNS_ECS_invalid_option_len", NULL);
		} else if (code == 11 && (olen == 0 || olen == 2) && !p->o->tcp) {
			weird(p, "EDNS_TCP_Keepalive_In_UDP", NULL);
		}
		p->data += olen;
		p->len -= olen;
	}
	if (p->len > 0) {
		weird(p, "EDNS_truncated_option", NULL);
		return false;
	}
	return true;
}

static bool
rr_tsig(struct px *p)
{
	char name[VG_DNS_NAME_MAX + 1];

	(void)read_name(p, name, true);
	(void)get32(p);
	(void)get16(p);
	(void)get16(p);
	take(p, get16(p), NULL); /* MAC */
	(void)get16(p);
	(void)get16(p);
	take(p, get16(p), NULL); /* other data */
	return true;
}

/* The update section of a dynamic update (RFC 2136 2.5): deletions. */
static void
update_del(struct px *p)
{
	outs(p, "del: ");
	if (p->aclass == CLASS_ANY && p->atype == TYPE_ANY) {
		outs(p, "RRSet * ");
		out(p, p->owner, p->owner_len);
	} else if (p->aclass == CLASS_NONE) {
		outs(p, "RR ");
		qtype_str(p, p->atype);
		outs(p, " ");
		out(p, p->owner, p->owner_len);
	} else {
		outs(p, "RRSet ");
		qtype_str(p, p->atype);
	}
	emit(p);
}

/* The prerequisite section of a dynamic update (RFC 2136 2.4). */
static void
update_pre(struct px *p)
{
	outs(p, "pre: ");
	if (p->aclass == CLASS_NONE && p->atype == TYPE_ANY) {
		outs(p, "NameNotInUse ");
	} else if (p->aclass == CLASS_ANY && p->atype == TYPE_ANY) {
		outs(p, "NameInUse ");
	} else {
		outs(p, p->aclass == CLASS_NONE ? "NoRRSet " : "RRSetExists ");
		qtype_str(p, p->atype);
		outs(p, " ");
	}
	out(p, p->owner, p->owner_len);
	emit(p);
}

/* DNS.cc skips these types' RDATA whole when no event is wanted. */
static bool
skipped_whole(const struct px *p)
{
	switch (p->atype) {
	case TYPE_WKS:
	case TYPE_TXT:
	case TYPE_SPF:
	case TYPE_RRSIG:
	case TYPE_DNSKEY:
	case TYPE_NSEC:
	case TYPE_NSEC3:
	case TYPE_NSEC3PARAM:
	case TYPE_DS:
	case TYPE_BINDS:
	case TYPE_SSHFP:
	case TYPE_LOC:
		return p->skip_event;
	default:
		return false;
	}
}

static bool
rr_data(struct px *p, int rdlength)
{
	if (skipped_whole(p)) {
		skip_rdata(p, rdlength);
		return true;
	}
	switch (p->atype) {
	case TYPE_A:
		return rr_a(p, rdlength);
	case TYPE_A6:
	case TYPE_AAAA:
		return rr_aaaa(p);
	case TYPE_NS:
	case TYPE_CNAME:
	case TYPE_PTR:
		return rr_name(p, rdlength, 0, 1);
	case TYPE_SOA:
		return rr_name(p, rdlength, 0, 2);
	case TYPE_MX:
		return rr_name(p, rdlength, 1, 1);
	case TYPE_WKS:
		skip_rdata(p, rdlength);
		emit(p); /* the handler passes "": sets rtt/AA/RA, logs no answer */
		return true;
	case TYPE_HINFO: /* no base handler: Zeek skips the RDATA */
	case TYPE_CAA:
	case TYPE_NBS:
	case TYPE_TKEY:
		skip_rdata(p, rdlength);
		return true;
	case TYPE_TXT:
		return rr_txt(p, rdlength, "TXT");
	case TYPE_SPF:
		return rr_txt(p, rdlength, "SPF");
	case TYPE_SRV:
		if (p->o->resp_port == 137)
			return true; /* NetBIOS NBSTAT: Zeek leaves the position as it is */
		return rr_name(p, rdlength, 3, 1);
	case TYPE_NAPTR:
		return rr_naptr(p, rdlength);
	case TYPE_EDNS:
		return rr_edns(p);
	case TYPE_TSIG:
		return rr_tsig(p);
	case TYPE_RRSIG:
		return rr_rrsig(p, rdlength);
	case TYPE_DNSKEY:
		return rr_dnskey(p, rdlength);
	case TYPE_NSEC:
		return rr_nsec(p, rdlength);
	case TYPE_NSEC3:
		return rr_nsec3(p, rdlength, false);
	case TYPE_NSEC3PARAM:
		return rr_nsec3(p, rdlength, true);
	case TYPE_DS:
		return rr_ds(p, rdlength);
	case TYPE_BINDS:
		return rr_binds(p, rdlength);
	case TYPE_SSHFP:
		return rr_sshfp(p, rdlength);
	case TYPE_LOC:
		return rr_loc(p);
	case TYPE_SVCB:
	case TYPE_HTTPS:
		return rr_svcb(p, rdlength);
	default:
		outf_u(p, "<unknown type=", p->atype);
		outs(p, ">");
		emit(p);
		weird_num(p, "DNS_RR_unknown_type", (long)p->atype);
		skip_rdata(p, rdlength);
		return true;
	}
}

static bool
parse_answer(struct px *p)
{
	p->owner_len = read_name(p, p->owner, true);
	if (p->len < 4) {
		weird(p, "DNS_truncated_ans_too_short", NULL);
		return false;
	}
	p->atype = get16(p);
	p->aclass = get16(p);
	p->ttl = get32(p);
	p->tlen = 0;
	int rdlength = get16(p);
	bool upd = p->sec == VG_DNS_PREREQUISITE || p->sec == VG_DNS_UPDATE;

	if (rdlength > p->len) {
		weird(p, "DNS_truncated_RR_rdlength_lt_len", NULL);
		return false;
	}
	if (upd &&
		(p->sec == VG_DNS_PREREQUISITE || p->aclass == CLASS_ANY ||
			p->aclass == CLASS_NONE)) {
		skip_rdata(p, rdlength);
		if (p->sec == VG_DNS_PREREQUISITE)
			update_pre(p);
		else
			update_del(p);
		return true;
	}
	if (rdlength == 0 && p->len > 0 && !upd) {
		weird(p, "DNS_zero_rdlength", NULL);
		return false;
	}
	return rr_data(p, rdlength);
}

static bool
parse_answers(struct px *p, unsigned n, enum vg_dns_section sec)
{
	p->sec = sec;
	while (n > 0 && parse_answer(p))
		n--;
	return n == 0;
}

static bool
parse_questions(struct px *p)
{
	unsigned n = p->h.qdcount;
	char name[VG_DNS_NAME_MAX + 1], orig[VG_DNS_NAME_MAX + 1];

	p->sec = VG_DNS_QUESTION;
	for (; n > 0; n--) {
		uint32_t nl = read_name(p, name, false);

		if (p->len < 4) {
			weird(p, "DNS_truncated_quest_too_short", NULL);
			return false;
		}
		memcpy(orig, name, nl + 1);
		for (uint32_t i = 0; i < nl; i++)
			if (name[i] >= 'A' && name[i] <= 'Z')
				name[i] = (char)(name[i] - 'A' + 'a');
		uint16_t qtype = get16(p), qclass = get16(p);
		bool report = p->h.qr == 0 ||
			(p->h.ancount == 0 && p->h.nscount == 0 && p->h.arcount == 0);

		if (report && p->ev->question)
			p->ev->question(p->u, &p->h, name, orig, nl, qtype, qclass);
	}
	return true;
}

static void
parse_body(struct px *p)
{
	/* init-bare.zeek: dns_max_queries = 25; more is not DNS. */
	if (p->h.qdcount > VG_DNS_MAX_QUERIES) {
		if (p->ev->violate)
			p->ev->violate(p->u, "DNS_Conn_count_too_large");
		weird(p, "DNS_Conn_count_too_large", NULL);
		return;
	}
	if (!parse_questions(p))
		return;
	bool upd = is_update(p);

	if (!parse_answers(p, p->h.ancount, upd ? VG_DNS_PREREQUISITE : VG_DNS_ANS))
		return;
	if (p->ev->confirm)
		p->ev->confirm(p->u);
	/*
	 * A dynamic update's update section, which main.zeek logs
	 * (dns_dynamic_update_del and add), is read either way.
	 */
	if (upd) {
		(void)parse_answers(p, p->h.nscount, VG_DNS_UPDATE);
		return;
	}
	/*
	 * init-bare.zeek: dns_skip_all_auth = T, dns_skip_all_addl = T: the
	 * rest is not read, unless policy/protocols/dns/auth-addl set them F;
	 * then DNS.cc still skips a section that is empty when there were
	 * answers (dns_skip_auth/dns_skip_addl are empty by default).
	 */
	bool skip_auth = !p->o->auth_addl, skip_addl = !p->o->auth_addl;

	if (p->h.ancount > 0) {
		skip_auth = skip_auth || p->h.nscount == 0;
		skip_addl = skip_addl || p->h.arcount == 0;
	}
	if (skip_auth && skip_addl)
		return;
	p->skip_event = skip_auth;
	if (!parse_answers(p, p->h.nscount, VG_DNS_AUTH) || skip_addl)
		return;
	p->skip_event = skip_addl;
	(void)parse_answers(p, p->h.arcount, VG_DNS_ADDL);
}

void
vg_dns_parse(const uint8_t *msg, uint32_t len, const struct vg_dns_parse_opts *o,
	const struct vg_dns_events *ev, void *u)
{
	struct px p;

	if (len < 12) {
		if (ev->weird)
			ev->weird(u, "DNS_truncated_len_lt_hdr_len", NULL);
		return;
	}
	if (len > 0xffff)
		len = 0xffff;
	p.msg = msg;
	p.o = o;
	p.ev = ev;
	p.u = u;
	p.h.id = vg_be16(msg);
	uint16_t f = vg_be16(msg + 2);

	p.h.qr = (f >> 15) & 1;
	p.h.opcode = (f >> 11) & 15;
	p.h.aa = (f >> 10) & 1;
	p.h.tc = (f >> 9) & 1;
	p.h.rd = (f >> 8) & 1;
	p.h.ra = (f >> 7) & 1;
	p.h.z = (f >> 4) & 7;
	p.h.rcode = f & 15;
	p.h.qdcount = vg_be16(msg + 4);
	p.h.ancount = vg_be16(msg + 6);
	p.h.nscount = vg_be16(msg + 8);
	p.h.arcount = vg_be16(msg + 10);
	p.data = msg + 12;
	p.len = (int)len - 12;
	p.tlen = 0;
	p.skip_event = false;
	p.owner_len = 0;
	p.owner[0] = '\0';
	if (ev->message)
		ev->message(u, &p.h);
	parse_body(&p);
	if (ev->end)
		ev->end(u, &p.h);
}
