/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Kubernetes inventory: the objects by uid, and for each address the
 * intervals of its holders (pods, Service cluster IPs, nodes) and the
 * endpoint-slice entries that name it.
 *
 * A holder is live while its object holds the address and resolves through
 * the object at lookup time (owner chain, endpoint slices). When it ends
 * (the pod is deleted or finished, the address left the object) what it
 * resolved to is copied into the holder, which then stays as history: a
 * record drained late still finds the pod that held the address at its ts.
 * Ended holders are kept up to max_history in all, the oldest ended first
 * out (counted in history_evicted).
 *
 * Lookup at ts: among the holders that started at or before ts, the one that
 * started last; nobody if that one had ended by ts. hostNetwork pods share
 * their node's address, so they are kept apart and chosen by the port their
 * containers declare.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vg_k8s_obj.h"

#define LIVE_END    INT64_MAX
#define MAX_OBJECTS (1u << 20)

/* An ended holder's own copy of its strings (its who points here) and ports. */
struct frozen {
	uint16_t ports[K8S_MAX_PORTS];
	uint8_t nports;
	char blob[];
};

struct addr_ent;

struct k8s_holder {
	struct k8s_holder *next;                /* in its address entry */
	struct k8s_holder *obj_next;            /* in its object's live list */
	struct k8s_holder *old_prev, *old_next; /* ended holders, oldest first */
	struct addr_ent *ae;
	struct k8s_obj *obj; /* live: the object; NULL once ended */
	struct frozen *fz;   /* ended: what it was */
	int64_t start, end;  /* [start, end); end LIVE_END while live */
	uint8_t kind;        /* VG_K8S_POD, _SERVICE or _NODE */
	bool host_network;
	/*
	 * What it resolves to: for a live holder as of inventory generation
	 * who_gen (resolved again on the first lookup after a change), for an
	 * ended one for good (strings in fz).
	 */
	uint64_t who_gen;
	struct vg_k8s_who who;
};

/* An endpoint-slice entry naming an address. */
struct ep_ref {
	struct ep_ref *next;
	const struct k8s_obj *slice;
	const char *pod; /* the targetRef pod, or NULL */
};

struct addr_ent {
	struct vg_addr a;
	struct addr_ent *hnext;
	struct k8s_holder *holders;
	struct ep_ref *eps;
};

struct counters {
	uint64_t lookups, hits, services_truncated;
	uint64_t versions; /* the last vg_k8s_who.version handed out */
};

/* Service names resolved to cluster IPs, per inventory generation (vg_k8s_lookup_name). */
#define NAME_CACHE 256

struct name_ent {
	uint64_t gen; /* 0: empty */
	uint64_t hash;
	bool found;
	struct vg_addr addr;
	char key[128]; /* "name.ns" */
};

struct vg_k8s_inv {
	char **labels; /* the label keys kept */
	unsigned int nlabels;
	uint32_t max_history;
	struct k8s_obj **objs; /* by uid */
	uint32_t nobj_buckets;
	uint64_t nobjs;
	struct k8s_obj *kinds[VG_K8S_NKINDS]; /* each kind's objects */
	struct addr_ent **addrs;              /* by address */
	uint32_t naddr_buckets;
	uint64_t naddrs;
	struct k8s_holder *old_head, *old_tail; /* ended holders */
	uint64_t nold;
	struct vg_k8s_stats st;
	uint64_t gen;           /* changes with every change of the objects */
	struct counters *ctr;   /* counted by lookups (a const inventory) */
	struct name_ent *names; /* NAME_CACHE entries, kept by lookups too */
	char err[256];
};

static const char *const default_labels[] = {"app.kubernetes.io/name", "app", "k8s-app"};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h ^ h >> 29;
}

/*
 * The address's 16 bytes folded and fully mixed (MurmurHash3's 64-bit
 * finalizer): IPv4 addresses differ only in their last 4 bytes, and the
 * table takes the low bits.
 */
static uint64_t
hash_addr(const struct vg_addr *a)
{
	uint64_t w0, w1, h;

	memcpy(&w0, a->b, 8);
	memcpy(&w1, a->b + 8, 8);
	h = w0 * 0x9e3779b97f4a7c15ULL ^ w1;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

struct vg_k8s_inv *
vg_k8s_inv_create(const struct vg_k8s_cfg *cfg)
{
	struct vg_k8s_inv *inv = calloc(1, sizeof(*inv));
	const char *const *keys = default_labels;
	unsigned int n = VG_ARRAY_SIZE(default_labels);

	if (inv == NULL)
		return NULL;
	if (cfg != NULL && cfg->labels != NULL) {
		keys = cfg->labels;
		n = cfg->nlabels;
	}
	inv->max_history = cfg && cfg->max_history ? cfg->max_history : VG_K8S_DEFAULT_HISTORY;
	inv->gen = 1; /* a new holder (who_gen 0) resolves on its first lookup */
	inv->nobj_buckets = inv->naddr_buckets = 1024;
	inv->objs = calloc(inv->nobj_buckets, sizeof(*inv->objs));
	inv->addrs = calloc(inv->naddr_buckets, sizeof(*inv->addrs));
	inv->ctr = calloc(1, sizeof(*inv->ctr));
	inv->names = calloc(NAME_CACHE, sizeof(*inv->names));
	inv->labels = calloc(n ? n : 1, sizeof(*inv->labels));
	if (inv->objs == NULL || inv->addrs == NULL || inv->ctr == NULL || inv->labels == NULL ||
		inv->names == NULL) {
		vg_k8s_inv_free(inv);
		return NULL;
	}
	for (unsigned int i = 0; i < n; i++) {
		inv->labels[i] = strdup(keys[i]);
		if (inv->labels[i] == NULL) {
			vg_k8s_inv_free(inv);
			return NULL;
		}
		inv->nlabels++;
	}
	return inv;
}

/* ---- objects by uid ---- */

static struct k8s_obj *
obj_find(const struct vg_k8s_inv *inv, const char *uid)
{
	struct k8s_obj *ob = inv->objs[hash_str(uid) & (inv->nobj_buckets - 1)];

	while (ob != NULL && strcmp(ob->uid, uid) != 0)
		ob = ob->hnext;
	return ob;
}

static void
obj_grow(struct vg_k8s_inv *inv)
{
	uint32_t n = inv->nobj_buckets * 2;
	struct k8s_obj **t = calloc(n, sizeof(*t));

	if (t == NULL)
		return; /* longer chains, still correct */
	for (uint32_t i = 0; i < inv->nobj_buckets; i++) {
		struct k8s_obj *ob = inv->objs[i], *next;

		for (; ob != NULL; ob = next) {
			uint32_t b = hash_str(ob->uid) & (n - 1);

			next = ob->hnext;
			ob->hnext = t[b];
			t[b] = ob;
		}
	}
	free(inv->objs);
	inv->objs = t;
	inv->nobj_buckets = n;
}

static void
obj_link(struct vg_k8s_inv *inv, struct k8s_obj *ob)
{
	uint32_t b;

	if (inv->nobjs >= 2ull * inv->nobj_buckets)
		obj_grow(inv);
	b = hash_str(ob->uid) & (inv->nobj_buckets - 1);
	ob->hnext = inv->objs[b];
	inv->objs[b] = ob;
	ob->prev = NULL;
	ob->next = inv->kinds[ob->kind];
	if (ob->next != NULL)
		ob->next->prev = ob;
	inv->kinds[ob->kind] = ob;
	inv->nobjs++;
	inv->st.objects[ob->kind]++;
}

static void
obj_unlink(struct vg_k8s_inv *inv, struct k8s_obj *ob)
{
	struct k8s_obj **pp = &inv->objs[hash_str(ob->uid) & (inv->nobj_buckets - 1)];

	while (*pp != ob)
		pp = &(*pp)->hnext;
	*pp = ob->hnext;
	if (ob->prev != NULL)
		ob->prev->next = ob->next;
	else
		inv->kinds[ob->kind] = ob->next;
	if (ob->next != NULL)
		ob->next->prev = ob->prev;
	inv->nobjs--;
	inv->st.objects[ob->kind]--;
}

/* ---- addresses ---- */

static struct addr_ent *
addr_find(const struct vg_k8s_inv *inv, const struct vg_addr *a)
{
	struct addr_ent *ae = inv->addrs[hash_addr(a) & (inv->naddr_buckets - 1)];

	while (ae != NULL && vg_addr_cmp(&ae->a, a) != 0)
		ae = ae->hnext;
	return ae;
}

static void
addr_grow(struct vg_k8s_inv *inv)
{
	uint32_t n = inv->naddr_buckets * 2;
	struct addr_ent **t = calloc(n, sizeof(*t));

	if (t == NULL)
		return;
	for (uint32_t i = 0; i < inv->naddr_buckets; i++) {
		struct addr_ent *ae = inv->addrs[i], *next;

		for (; ae != NULL; ae = next) {
			uint32_t b = hash_addr(&ae->a) & (n - 1);

			next = ae->hnext;
			ae->hnext = t[b];
			t[b] = ae;
		}
	}
	free(inv->addrs);
	inv->addrs = t;
	inv->naddr_buckets = n;
}

static struct addr_ent *
addr_get(struct vg_k8s_inv *inv, const struct vg_addr *a)
{
	struct addr_ent *ae = addr_find(inv, a);
	uint32_t b;

	if (ae != NULL)
		return ae;
	ae = calloc(1, sizeof(*ae));
	if (ae == NULL)
		return NULL;
	if (inv->naddrs >= 2ull * inv->naddr_buckets)
		addr_grow(inv);
	ae->a = *a;
	b = hash_addr(a) & (inv->naddr_buckets - 1);
	ae->hnext = inv->addrs[b];
	inv->addrs[b] = ae;
	inv->naddrs++;
	return ae;
}

/* Frees an entry nothing refers to any more. */
static void
addr_maybe_free(struct vg_k8s_inv *inv, struct addr_ent *ae)
{
	struct addr_ent **pp;

	if (ae->holders != NULL || ae->eps != NULL)
		return;
	pp = &inv->addrs[hash_addr(&ae->a) & (inv->naddr_buckets - 1)];
	while (*pp != ae)
		pp = &(*pp)->hnext;
	*pp = ae->hnext;
	inv->naddrs--;
	free(ae);
}

/* ---- resolving a live holder ---- */

/* The top owner: a ReplicaSet's Deployment, a Job's CronJob, else the controller itself. */
static void
resolve_owner(const struct vg_k8s_inv *inv, const struct k8s_obj *pod, struct vg_k8s_who *out)
{
	const struct k8s_obj *mid;

	if (pod->owner_kind == NULL)
		return;
	out->workload = pod->owner_name;
	out->workload_kind = pod->owner_kind;
	if (pod->owner_uid == NULL ||
		(strcmp(pod->owner_kind, "ReplicaSet") != 0 && strcmp(pod->owner_kind, "Job") != 0))
		return;
	mid = obj_find(inv, pod->owner_uid);
	if (mid != NULL && mid->owner_kind != NULL) {
		out->workload = mid->owner_name;
		out->workload_kind = mid->owner_kind;
	}
}

static void
add_service(const struct vg_k8s_inv *inv, struct vg_k8s_who *out, const char *name)
{
	for (unsigned int i = 0; i < out->nservices; i++)
		if (strcmp(out->services[i], name) == 0)
			return;
	if (out->nservices < VG_K8S_WHO_SERVICES)
		out->services[out->nservices++] = name;
	else
		inv->ctr->services_truncated++;
}

/* The Services whose slices list this address (for this pod when they name one). */
static void
resolve_services(const struct vg_k8s_inv *inv, const struct addr_ent *ae, const char *pod,
	struct vg_k8s_who *out)
{
	for (const struct ep_ref *e = ae->eps; e != NULL; e = e->next)
		if (e->slice->service != NULL && (e->pod == NULL || strcmp(e->pod, pod) == 0))
			add_service(inv, out, e->slice->service);
}

static void
resolve_pod(const struct vg_k8s_inv *inv, const struct k8s_obj *ob, const struct addr_ent *ae,
	struct vg_k8s_who *out)
{
	out->ns = ob->ns;
	out->pod = ob->name;
	out->node = ob->node;
	out->host_network = ob->host_network;
	out->is_node = ob->host_network;
	for (unsigned int i = 0; i < ob->nlabels; i++)
		out->labels[i] = ob->labels[i];
	out->nlabels = ob->nlabels;
	resolve_owner(inv, ob, out);
	resolve_services(inv, ae, ob->name, out);
}

static void
resolve_live(const struct vg_k8s_inv *inv, const struct k8s_holder *h, struct vg_k8s_who *out)
{
	const struct k8s_obj *ob = h->obj;

	memset(out, 0, sizeof(*out));
	switch (h->kind) {
	case VG_K8S_POD:
		resolve_pod(inv, ob, h->ae, out);
		break;
	case VG_K8S_SERVICE:
		out->ns = ob->ns;
		out->services[0] = ob->name;
		out->nservices = 1;
		out->is_service = true;
		break;
	default:
		out->node = ob->name;
		out->is_node = true;
		break;
	}
}

/*
 * What a holder resolves to. A live one is resolved through its objects once
 * per inventory generation and kept (no lookup between two changes walks the
 * owners or slices again); an ended one keeps what it was.
 */
static const struct vg_k8s_who *
resolve(const struct vg_k8s_inv *inv, struct k8s_holder *h)
{
	if (h->fz == NULL && h->who_gen != inv->gen) {
		resolve_live(inv, h, &h->who);
		h->who.version = ++inv->ctr->versions;
		h->who_gen = inv->gen;
	}
	return &h->who;
}

static bool
holder_has_port(const struct k8s_holder *h, uint16_t port)
{
	const uint16_t *ports = h->fz ? h->fz->ports : h->obj->ports;
	uint8_t n = h->fz ? h->fz->nports : h->obj->nports;

	for (unsigned int i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

int
vg_k8s_lookup(const struct vg_k8s_inv *inv, const struct vg_addr *addr, uint16_t port,
	int64_t ts_ns, struct vg_k8s_who *out)
{
	struct k8s_holder *best = NULL, *hn = NULL, *hn_any = NULL;
	const struct addr_ent *ae;

	memset(out, 0, sizeof(*out));
	if (inv == NULL)
		return -1;
	inv->ctr->lookups++;
	ae = addr_find(inv, addr);
	if (ae == NULL)
		return -1;
	for (struct k8s_holder *h = ae->holders; h != NULL; h = h->next) {
		if (h->start > ts_ns)
			continue;
		if (!h->host_network) {
			if (best == NULL || h->start > best->start)
				best = h;
		} else if (ts_ns < h->end) {
			hn_any = h;
			if (holder_has_port(h, port) && (hn == NULL || h->start > hn->start))
				hn = h;
		}
	}
	if (best != NULL && ts_ns >= best->end)
		best = NULL;
	if (best != NULL && (best->kind != VG_K8S_NODE || hn == NULL)) {
		*out = *resolve(inv, best);
	} else if (hn != NULL) {
		*out = *resolve(inv, hn); /* a hostNetwork pod on its node's address, by port */
	} else if (hn_any != NULL) {
		/* The address is a node's (a hostNetwork pod runs on it), no port matches. */
		out->node = resolve(inv, hn_any)->node;
		out->is_node = true;
		out->version = 0; /* made here, not a holder's */
	} else {
		return -1;
	}
	inv->ctr->hits++;
	return 0;
}

/* The live Service ns/name's first cluster IP; false when there is none. */
static bool
service_addr(const struct vg_k8s_inv *inv, const char *name, const char *ns, struct vg_addr *out)
{
	for (const struct k8s_obj *ob = inv->kinds[VG_K8S_SERVICE]; ob != NULL; ob = ob->next)
		if (ob->naddrs > 0 && strcmp(ob->name, name) == 0 && strcmp(ob->ns, ns) == 0) {
			*out = ob->addrs[0];
			return true;
		}
	return false;
}

int
vg_k8s_lookup_name(const struct vg_k8s_inv *inv, const char *host, uint32_t len,
	const char *caller_ns, int64_t ts_ns, struct vg_k8s_who *out)
{
	char name[64], ns[64], key[sizeof(((struct name_ent *)0)->key)];
	struct name_ent *e;
	uint64_t h;

	memset(out, 0, sizeof(*out));
	if (inv == NULL ||
		!vg_k8s_service_name(host, len, caller_ns, name, sizeof(name), ns, sizeof(ns)))
		return -1;
	snprintf(key, sizeof(key), "%s.%s", name, ns);
	h = hash_str(key);
	e = &inv->names[h & (NAME_CACHE - 1)];
	/* Between two changes a name resolves the same: one walk per name and change. */
	if (e->gen != inv->gen || e->hash != h || strcmp(e->key, key) != 0) {
		e->gen = inv->gen;
		e->hash = h;
		snprintf(e->key, sizeof(e->key), "%s", key);
		e->found = service_addr(inv, name, ns, &e->addr);
	}
	return e->found ? vg_k8s_lookup(inv, &e->addr, 0, ts_ns, out) : -1;
}

/* ---- ending holders: history ---- */

static size_t
str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *
str_put(char **p, const char *s)
{
	char *d = *p;
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	memcpy(d, s, n);
	*p += n;
	return d;
}

/*
 * What the holder resolves to now, copied into memory of its own that its who
 * points to from then on. NULL when out of memory.
 */
static struct frozen *
freeze(const struct vg_k8s_inv *inv, struct k8s_holder *h)
{
	struct vg_k8s_who w;
	struct frozen *fz;
	size_t n = 0;
	char *p;

	resolve_live(inv, h, &w);
	n += str_size(w.ns) + str_size(w.pod) + str_size(w.workload) + str_size(w.workload_kind) +
		str_size(w.node);
	for (unsigned int i = 0; i < w.nservices; i++)
		n += str_size(w.services[i]);
	for (unsigned int i = 0; i < w.nlabels; i++)
		n += str_size(w.labels[i]);
	fz = calloc(1, sizeof(*fz) + n);
	if (fz == NULL)
		return NULL;
	p = fz->blob;
	h->who = w;
	h->who.ns = str_put(&p, w.ns);
	h->who.pod = str_put(&p, w.pod);
	h->who.workload = str_put(&p, w.workload);
	h->who.workload_kind = str_put(&p, w.workload_kind);
	h->who.node = str_put(&p, w.node);
	for (unsigned int i = 0; i < w.nservices; i++)
		h->who.services[i] = str_put(&p, w.services[i]);
	for (unsigned int i = 0; i < w.nlabels; i++)
		h->who.labels[i] = str_put(&p, w.labels[i]);
	h->who.version = ++inv->ctr->versions;
	if (h->obj != NULL) {
		memcpy(fz->ports, h->obj->ports, sizeof(fz->ports));
		fz->nports = h->obj->nports;
	}
	return fz;
}

static void
holder_unlink_addr(struct vg_k8s_inv *inv, struct k8s_holder *h)
{
	struct k8s_holder **pp = &h->ae->holders;

	while (*pp != h)
		pp = &(*pp)->next;
	*pp = h->next;
	inv->st.holders--;
	addr_maybe_free(inv, h->ae);
}

static void
evict_oldest(struct vg_k8s_inv *inv)
{
	struct k8s_holder *h = inv->old_head;

	inv->old_head = h->old_next;
	if (inv->old_head != NULL)
		inv->old_head->old_prev = NULL;
	else
		inv->old_tail = NULL;
	inv->nold--;
	holder_unlink_addr(inv, h);
	free(h->fz);
	free(h);
	inv->st.history_evicted++;
}

/*
 * Ends a live holder at end (its object is about to change or go): it keeps
 * what it resolves to now, and joins the history. The caller unlinks it from
 * the object's list. A holder that would end before it started is dropped.
 */
static void
holder_end(struct vg_k8s_inv *inv, struct k8s_holder *h, int64_t end)
{
	h->fz = end > h->start ? freeze(inv, h) : NULL;
	h->obj = NULL;
	if (h->fz == NULL) {
		holder_unlink_addr(inv, h);
		free(h);
		return;
	}
	h->end = end;
	h->old_prev = inv->old_tail;
	h->old_next = NULL;
	if (inv->old_tail != NULL)
		inv->old_tail->old_next = h;
	else
		inv->old_head = h;
	inv->old_tail = h;
	inv->nold++;
	while (inv->nold > inv->max_history)
		evict_oldest(inv);
}

/* A new live holder of an address for an object. */
static int
holder_add(struct vg_k8s_inv *inv, struct k8s_obj *ob, const struct vg_addr *a, int64_t start)
{
	struct addr_ent *ae = addr_get(inv, a);
	struct k8s_holder *h;

	if (ae == NULL)
		return -1;
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		addr_maybe_free(inv, ae);
		return -1;
	}
	h->ae = ae;
	h->obj = ob;
	h->start = start;
	h->end = LIVE_END;
	h->kind = ob->kind;
	h->host_network = ob->kind == VG_K8S_POD && ob->host_network;
	h->next = ae->holders;
	ae->holders = h;
	h->obj_next = ob->holders;
	ob->holders = h;
	inv->st.holders++;
	return 0;
}

/* ---- endpoint slices ---- */

static void
slice_unref(struct vg_k8s_inv *inv, const struct k8s_obj *sl)
{
	for (uint32_t i = 0; i < sl->neps; i++) {
		struct addr_ent *ae = addr_find(inv, &sl->eps[i].addr);
		struct ep_ref **pp;

		if (ae == NULL)
			continue;
		for (pp = &ae->eps; *pp != NULL;) {
			struct ep_ref *e = *pp;

			if (e->slice == sl) {
				*pp = e->next;
				free(e);
			} else {
				pp = &e->next;
			}
		}
		addr_maybe_free(inv, ae);
	}
}

static void
slice_ref(struct vg_k8s_inv *inv, const struct k8s_obj *sl)
{
	for (uint32_t i = 0; i < sl->neps; i++) {
		struct addr_ent *ae = addr_get(inv, &sl->eps[i].addr);
		struct ep_ref *e = ae ? calloc(1, sizeof(*e)) : NULL;

		if (e == NULL) {
			if (ae != NULL)
				addr_maybe_free(inv, ae);
			continue; /* out of memory: this entry is not known */
		}
		e->slice = sl;
		e->pod = sl->eps[i].pod;
		e->next = ae->eps;
		ae->eps = e;
	}
}

/* ---- applying objects ---- */

static bool
has_addr(const struct k8s_obj *ob, const struct vg_addr *a)
{
	for (unsigned int i = 0; i < ob->naddrs; i++)
		if (vg_addr_cmp(&ob->addrs[i], a) == 0)
			return true;
	return false;
}

/* When an object's holders end on deletion: a finished pod's end, else now. */
static int64_t
end_time(const struct k8s_obj *ob, int64_t now)
{
	return ob->end != K8S_TIME_NONE && ob->end < now ? ob->end : now;
}

/*
 * Moves old's holders to ob (same uid): an address ob still has keeps its
 * interval, one it lost ends now, and a finished pod ends them all at its
 * end. Then ob's new addresses start holders.
 */
static void
holders_move(struct vg_k8s_inv *inv, struct k8s_obj *old, struct k8s_obj *ob, int64_t now)
{
	struct k8s_holder *h, *next;
	int64_t start = ob->start != K8S_TIME_NONE ? ob->start : now;

	for (h = old ? old->holders : NULL; h != NULL; h = next) {
		next = h->obj_next;
		if (ob->end == K8S_TIME_NONE && has_addr(ob, &h->ae->a)) {
			h->obj = ob;
			h->host_network = ob->kind == VG_K8S_POD && ob->host_network;
			h->obj_next = ob->holders;
			ob->holders = h;
		} else {
			h->obj = old;
			holder_end(inv, h, ob->end != K8S_TIME_NONE ? end_time(ob, now) : now);
		}
	}
	if (old != NULL)
		old->holders = NULL;
	for (unsigned int i = 0; i < ob->naddrs; i++) {
		bool held = false;

		for (h = ob->holders; h != NULL && !held; h = h->obj_next)
			held = vg_addr_cmp(&h->ae->a, &ob->addrs[i]) == 0;
		if (held)
			continue;
		/* A pod first seen finished still goes into the history. */
		if (old != NULL && ob->end != K8S_TIME_NONE)
			continue; /* it was live before: its holders ended above */
		if (holder_add(inv, ob, &ob->addrs[i], start) != 0)
			continue;
		if (ob->end != K8S_TIME_NONE) {
			h = ob->holders;
			ob->holders = h->obj_next;
			holder_end(inv, h, end_time(ob, now));
		}
	}
}

static void
obj_delete(struct vg_k8s_inv *inv, struct k8s_obj *ob, int64_t now)
{
	struct k8s_holder *h, *next;

	for (h = ob->holders; h != NULL; h = next) {
		next = h->obj_next;
		holder_end(inv, h, end_time(ob, now));
	}
	ob->holders = NULL;
	if (ob->kind == VG_K8S_ENDPOINTSLICE)
		slice_unref(inv, ob);
	obj_unlink(inv, ob);
	k8s_obj_free(ob);
}

/*
 * When a deleted object let go of its addresses: the event's time, or earlier
 * when its last state says so (its containers' end, its deletion deadline).
 * A recorded watch stream replayed later so keeps its own times.
 */
static int64_t
deletion_end(const struct k8s_obj *ob, int64_t now)
{
	int64_t end = now;

	if (ob->end != K8S_TIME_NONE && ob->end < end)
		end = ob->end;
	if (ob->finished != K8S_TIME_NONE && ob->finished < end)
		end = ob->finished;
	if (ob->deleted_at != K8S_TIME_NONE && ob->deleted_at < end)
		end = ob->deleted_at;
	return end;
}

static int
refuse(struct vg_k8s_inv *inv, const char *why)
{
	if (why != inv->err)
		snprintf(inv->err, sizeof(inv->err), "%s", why);
	inv->st.bad_objects++;
	return -1;
}

int
vg_k8s_inv_apply(struct vg_k8s_inv *inv, enum vg_k8s_kind kind, enum vg_k8s_event type,
	const json_t *object, int64_t now_ns)
{
	struct k8s_obj *ob, *old;

	inv->gen++; /* what live holders resolve to may change */
	if ((unsigned int)kind >= VG_K8S_NKINDS)
		return refuse(inv, "unknown kind");
	ob = k8s_obj_parse(kind, object, (const char *const *)inv->labels, inv->nlabels, inv->err,
		sizeof(inv->err));
	if (ob == NULL) {
		/* The version it had stays, and counts as seen by a listing. */
		const char *uid = json_string_value(
			json_object_get(json_object_get(object, "metadata"), "uid"));

		old = uid != NULL ? obj_find(inv, uid) : NULL;
		if (old != NULL && old->kind == kind)
			old->seen = true;
		return refuse(inv, inv->err);
	}
	old = obj_find(inv, ob->uid);
	if (old != NULL && old->kind != kind) {
		k8s_obj_free(ob);
		return refuse(inv, "metadata.uid names an object of another kind");
	}
	inv->st.events++;
	if (type == VG_K8S_DELETED) {
		if (old != NULL) {
			old->end = deletion_end(ob, now_ns);
			obj_delete(inv, old, now_ns);
		}
		k8s_obj_free(ob);
		return 0;
	}
	if (old == NULL && inv->nobjs >= MAX_OBJECTS) {
		k8s_obj_free(ob);
		return refuse(inv, "inventory full (1048576 objects)");
	}
	ob->seen = true;
	holders_move(inv, old, ob, now_ns);
	if (kind == VG_K8S_ENDPOINTSLICE) {
		if (old != NULL)
			slice_unref(inv, old);
		slice_ref(inv, ob);
	}
	if (old != NULL) {
		obj_unlink(inv, old);
		k8s_obj_free(old);
	}
	obj_link(inv, ob);
	return 0;
}

void
vg_k8s_inv_list_begin(struct vg_k8s_inv *inv, enum vg_k8s_kind kind)
{
	if ((unsigned int)kind >= VG_K8S_NKINDS)
		return;
	for (struct k8s_obj *ob = inv->kinds[kind]; ob != NULL; ob = ob->next)
		ob->seen = false;
}

void
vg_k8s_inv_list_end(struct vg_k8s_inv *inv, enum vg_k8s_kind kind, int64_t now_ns)
{
	struct k8s_obj *ob, *next;

	if ((unsigned int)kind >= VG_K8S_NKINDS)
		return;
	inv->gen++;
	for (ob = inv->kinds[kind]; ob != NULL; ob = next) {
		next = ob->next;
		if (!ob->seen)
			obj_delete(inv, ob, now_ns);
	}
}

void
vg_k8s_inv_free(struct vg_k8s_inv *inv)
{
	if (inv == NULL)
		return;
	for (int k = 0; k < VG_K8S_NKINDS; k++)
		while (inv->kinds[k] != NULL)
			obj_delete(inv, inv->kinds[k], 0);
	while (inv->old_head != NULL)
		evict_oldest(inv);
	for (uint32_t i = 0; inv->addrs != NULL && i < inv->naddr_buckets; i++)
		while (inv->addrs[i] != NULL) {
			struct addr_ent *ae = inv->addrs[i];

			inv->addrs[i] = ae->hnext;
			free(ae);
		}
	for (unsigned int i = 0; i < inv->nlabels; i++)
		free(inv->labels[i]);
	free(inv->labels);
	free(inv->objs);
	free(inv->addrs);
	free(inv->ctr);
	free(inv->names);
	free(inv);
}

int
vg_k8s_kind_parse(const char *kind)
{
	static const char *const names[VG_K8S_NKINDS] = {
		[VG_K8S_POD] = "Pod",
		[VG_K8S_SERVICE] = "Service",
		[VG_K8S_NODE] = "Node",
		[VG_K8S_ENDPOINTSLICE] = "EndpointSlice",
		[VG_K8S_REPLICASET] = "ReplicaSet",
		[VG_K8S_JOB] = "Job",
	};

	if (kind == NULL)
		return -1;
	for (int k = 0; k < VG_K8S_NKINDS; k++) {
		size_t n = strlen(names[k]);

		if (strncmp(kind, names[k], n) == 0 &&
			(kind[n] == '\0' || strcmp(kind + n, "List") == 0))
			return k;
	}
	return -1;
}

int
vg_k8s_event_parse(const char *type)
{
	if (type == NULL)
		return -1;
	if (strcmp(type, "ADDED") == 0)
		return VG_K8S_ADDED;
	if (strcmp(type, "MODIFIED") == 0)
		return VG_K8S_MODIFIED;
	if (strcmp(type, "DELETED") == 0)
		return VG_K8S_DELETED;
	return -1;
}

const char *
vg_k8s_inv_error(const struct vg_k8s_inv *inv)
{
	return inv->err;
}

void
vg_k8s_inv_stats(const struct vg_k8s_inv *inv, struct vg_k8s_stats *out)
{
	*out = inv->st;
	out->lookups = inv->ctr->lookups;
	out->lookup_hits = inv->ctr->hits;
	out->services_truncated = inv->ctr->services_truncated;
}
