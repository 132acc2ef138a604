/* SPDX-License-Identifier: BSD-3-Clause */
/* The shared-memory segment and its SPSC byte rings (layout in vg_logring.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vg_logring.h"

_Static_assert(sizeof(struct vg_ring_hdr) == 192, "ring header is three cache lines");
_Static_assert(sizeof(struct vg_shm_header) <= VG_SHM_ALIGN, "header fits its page");

static uint64_t
align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t
pow2_up(uint64_t v)
{
	uint64_t p = 4096;

	while (p < v)
		p <<= 1;
	return p;
}

static uint64_t
ring_stride(uint64_t ring_size)
{
	return align_up(sizeof(struct vg_ring_hdr) + ring_size, VG_SHM_ALIGN);
}

static int
map_rings(struct vg_logshm *shm)
{
	struct vg_shm_header *h = shm->hdr;
	uint64_t stride = ring_stride(h->ring_size);

	if (VG_SHM_ALIGN + stride * h->nrings > shm->size) {
		errno = EINVAL;
		return -1;
	}
	shm->nrings = h->nrings;
	shm->rings = calloc(h->nrings ? h->nrings : 1, sizeof(*shm->rings));
	if (shm->rings == NULL)
		return -1;
	for (uint32_t i = 0; i < h->nrings; i++) {
		uint8_t *base = (uint8_t *)h + VG_SHM_ALIGN + stride * i;

		shm->rings[i].hdr = (struct vg_ring_hdr *)base;
		shm->rings[i].data = base + sizeof(struct vg_ring_hdr);
		shm->rings[i].size = h->ring_size;
		shm->rings[i].mask = h->ring_size - 1;
	}
	return 0;
}

struct vg_logshm *
vg_logshm_create(const char *name, uint32_t nrings, uint64_t ring_size, uint32_t features)
{
	struct vg_logshm *shm = calloc(1, sizeof(*shm));
	void *mem;
	int fd = -1;

	if (shm == NULL)
		return NULL;
	if (nrings == 0 || ring_size < 4096 || ring_size > (1ULL << 32)) {
		free(shm);
		errno = EINVAL;
		return NULL;
	}
	ring_size = pow2_up(ring_size);
	shm->size = VG_SHM_ALIGN + ring_stride(ring_size) * nrings;
	if (name != NULL && name[0] != '\0') {
		snprintf(shm->name, sizeof(shm->name), "/%s", name[0] == '/' ? name + 1 : name);
		/* Never take over a segment someone else is using. */
		fd = shm_open(shm->name, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd < 0 || ftruncate(fd, (off_t)shm->size) != 0) {
			int e = errno;

			if (fd >= 0) {
				close(fd);
				shm_unlink(shm->name);
			}
			free(shm);
			errno = e;
			return NULL;
		}
		mem = mmap(NULL, shm->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
	} else {
		mem = mmap(NULL, shm->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			-1, 0);
	}
	if (mem == MAP_FAILED) {
		int e = errno;

		if (shm->name[0])
			shm_unlink(shm->name);
		free(shm);
		errno = e;
		return NULL;
	}
	shm->hdr = mem;
	shm->owner = true;
	memset(shm->hdr, 0, sizeof(*shm->hdr));
	memcpy(shm->hdr->magic, VG_SHM_MAGIC, 8);
	shm->hdr->nrings = nrings;
	shm->hdr->ring_size = ring_size;
	shm->hdr->segment_size = shm->size;
	shm->hdr->features = features;
	shm->hdr->producer_pid = (uint64_t)getpid();
	shm->hdr->generation = 1;
	if (map_rings(shm) != 0) {
		vg_logshm_close(shm, false);
		return NULL;
	}
	/* The version is published last: a reader seeing it sees a whole header. */
	__atomic_store_n(&shm->hdr->version, VG_SHM_VERSION, __ATOMIC_RELEASE);
	return shm;
}

struct vg_logshm *
vg_logshm_attach(const char *name)
{
	struct vg_logshm *shm = calloc(1, sizeof(*shm));
	struct stat st;
	void *mem;
	int fd;

	if (shm == NULL)
		return NULL;
	snprintf(shm->name, sizeof(shm->name), "/%s", name[0] == '/' ? name + 1 : name);
	fd = shm_open(shm->name, O_RDWR, 0);
	if (fd < 0 || fstat(fd, &st) != 0 || (uint64_t)st.st_size < VG_SHM_ALIGN) {
		int e = fd < 0 ? errno : EINVAL;

		if (fd >= 0)
			close(fd);
		free(shm);
		errno = e;
		return NULL;
	}
	shm->size = (uint64_t)st.st_size;
	mem = mmap(NULL, shm->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (mem == MAP_FAILED) {
		free(shm);
		return NULL;
	}
	shm->hdr = mem;
	if (memcmp(shm->hdr->magic, VG_SHM_MAGIC, 8) != 0 ||
		__atomic_load_n(&shm->hdr->version, __ATOMIC_ACQUIRE) != VG_SHM_VERSION ||
		map_rings(shm) != 0) {
		munmap(mem, shm->size);
		free(shm->rings);
		free(shm);
		errno = EPROTO;
		return NULL;
	}
	return shm;
}

void
vg_logshm_close(struct vg_logshm *shm, bool keep)
{
	if (shm == NULL)
		return;
	if (shm->hdr != NULL)
		munmap(shm->hdr, shm->size);
	if (shm->owner && !keep && shm->name[0])
		shm_unlink(shm->name);
	free(shm->rings);
	free(shm);
}

static inline uint32_t *
len_word(struct vg_ring *r, uint64_t pos)
{
	return (uint32_t *)(r->data + (pos & r->mask));
}

bool
vg_ring_has_room(const struct vg_ring *r, uint32_t len)
{
	uint64_t head = r->hdr->head;
	uint64_t tail = __atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE);
	uint64_t to_end = r->size - (head & r->mask);
	uint64_t need = len > to_end ? to_end + len : len;

	return head - tail + need + 8 <= r->size;
}

bool
vg_ring_write(struct vg_ring *r, const uint8_t *rec, uint32_t len)
{
	struct vg_ring_hdr *h = r->hdr;
	uint64_t head = h->head;
	uint64_t tail = __atomic_load_n(&h->tail, __ATOMIC_ACQUIRE);
	uint64_t to_end = r->size - (head & r->mask);
	uint64_t need = len;

	/* A record that would cross the end goes to the start after a pad. */
	if (len > to_end)
		need = to_end + len;
	/* Keep 8 bytes free so the next length word can be zeroed. */
	if (len == 0 || (len & 7) || head - tail + need + 8 > r->size) {
		__atomic_store_n(&h->drops, h->drops + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&h->drop_bytes, h->drop_bytes + len, __ATOMIC_RELAXED);
		return false;
	}
	if (len > to_end) {
		*len_word(r, head + to_end) = 0;
		__atomic_store_n(len_word(r, head), VG_RING_PAD | (uint32_t)to_end,
			__ATOMIC_RELEASE);
		head += to_end;
	}
	uint8_t *dst = r->data + (head & r->mask);

	memcpy(dst + 4, rec + 4, len - 4);
	*len_word(r, head + len) = 0;
	__atomic_store_n((uint32_t *)dst, len, __ATOMIC_RELEASE);
	__atomic_store_n(&h->records, h->records + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&h->head, head + len, __ATOMIC_RELEASE);
	return true;
}

const uint8_t *
vg_ring_peek(struct vg_ring *r, uint32_t *len)
{
	struct vg_ring_hdr *h = r->hdr;

	for (;;) {
		uint64_t tail = h->tail;
		uint32_t w = __atomic_load_n(len_word(r, tail), __ATOMIC_ACQUIRE);

		if (w == 0)
			return NULL;
		if (w & VG_RING_PAD) {
			uint32_t skip = w & ~VG_RING_PAD;

			if (skip == 0 || (skip & 7) || skip > r->size - (tail & r->mask))
				return NULL; /* corrupt: stop rather than run away */
			*len_word(r, tail) = 0;
			__atomic_store_n(&h->tail, tail + skip, __ATOMIC_RELEASE);
			continue;
		}
		if (w < 8 || (w & 7) || w > r->size - (tail & r->mask))
			return NULL;
		*len = w;
		return r->data + (tail & r->mask);
	}
}

void
vg_ring_release(struct vg_ring *r, uint32_t len)
{
	struct vg_ring_hdr *h = r->hdr;
	uint64_t tail = h->tail;

	*len_word(r, tail) = 0;
	__atomic_store_n(&h->tail, tail + len, __ATOMIC_RELEASE);
}

uint64_t
vg_ring_used(const struct vg_ring *r)
{
	return __atomic_load_n(&r->hdr->head, __ATOMIC_ACQUIRE) -
		__atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE);
}
