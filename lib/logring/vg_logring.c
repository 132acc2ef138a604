/* SPDX-License-Identifier: BSD-3-Clause */
/* The shared-memory segment and its SPSC byte rings (layout in vg_logring.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vg_logring.h"
#include "vg_schema.h"

_Static_assert(sizeof(struct vg_ring_hdr) == 192, "ring header is three cache lines");
_Static_assert(sizeof(struct vg_shm_header) == 72, "segment header is 72 bytes");

/* Bytes of the object locked (open file description locks, see vg_logring.h). */
#define LOCK_LIVE   0 /* held by the producer while attached */
#define LOCK_SETUP  1 /* held while creating, taking over or removing */
#define LOCK_READER 2 /* held by the consumer while attached */

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

static inline uint32_t *
len_word(struct vg_ring *r, uint64_t pos)
{
	return (uint32_t *)(r->data + (pos & r->mask));
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

/* Remembers which object is mapped, to notice when the name points elsewhere. */
static void
note_object(struct vg_logshm *shm, int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0) {
		shm->dev = (uint64_t)st.st_dev;
		shm->ino = (uint64_t)st.st_ino;
	}
}

struct vg_logshm *
vg_logshm_create(const char *name, uint32_t nrings, uint64_t ring_size, uint32_t features)
{
	struct vg_logshm *shm = calloc(1, sizeof(*shm));
	void *mem;
	int fd = -1;

	if (shm == NULL)
		return NULL;
	shm->fd = -1;
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
		note_object(shm, fd);
		close(fd);
	} else {
		mem = mmap(
			NULL, shm->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
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
	shm->hdr->schema_hash = vg_schema_set_hash();
	if (map_rings(shm) != 0) {
		vg_logshm_close(shm, false);
		return NULL;
	}
	/* The version is published last: a reader seeing it sees a whole header. */
	__atomic_store_n(&shm->hdr->version, VG_SHM_VERSION, __ATOMIC_RELEASE);
	return shm;
}

/* True when the name still refers to the object described by st. */
static bool
same_object(const char *name, const struct stat *st)
{
	struct stat now;
	int fd = shm_open(name, O_RDONLY, 0);
	bool same;

	if (fd < 0)
		return false;
	same = fstat(fd, &now) == 0 && now.st_dev == st->st_dev && now.st_ino == st->st_ino;
	close(fd);
	return same;
}

/*
 * Open file description locks: tied to the open object, not to the process, so
 * two opens in one process exclude each other as two processes do, and they
 * vanish when the holder dies.
 */
static int
lock_byte(int fd, off_t byte, short type, bool wait)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1};
	int rc;

	do
		rc = fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
	while (rc != 0 && wait && errno == EINTR);
	return rc;
}

static bool
byte_locked(int fd, off_t byte)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1};

	if (fcntl(fd, F_OFD_GETLK, &fl) != 0)
		return false;
	return fl.l_type != F_UNLCK;
}

/*
 * A pid that exists, other than ours (after a container restart a new
 * producer often gets the pid its predecessor had, and that one is gone).
 */
static bool
pid_alive(uint64_t pid)
{
	if (pid == 0 || pid > INT32_MAX || (pid_t)pid == getpid())
		return false;
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

static bool
header_producer_alive(const struct vg_shm_header *h, int fd)
{
	if (__atomic_load_n(&h->producer_done, __ATOMIC_ACQUIRE))
		return false;
	/* The live lock is the better witness: it survives no crash and no pid reuse. */
	if ((h->flags & VG_SHM_F_LIVE_LOCK) && fd >= 0)
		return byte_locked(fd, LOCK_LIVE);
	return pid_alive(h->producer_pid);
}

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * A producer that was killed may have published a pad or a record without
 * storing the new head. Walks over what is published at the stored head (at
 * most a pad and a record), and never leaves head behind the consumer's
 * cursor, which may already have passed such a record.
 */
static void
ring_recover(struct vg_ring *r)
{
	struct vg_ring_hdr *h = r->hdr;
	uint64_t head = h->head;
	uint64_t tail = __atomic_load_n(&h->tail, __ATOMIC_ACQUIRE);

	if ((int64_t)(tail - head) > 0)
		head = tail;
	for (int i = 0; i < 2; i++) {
		uint32_t w = __atomic_load_n(len_word(r, head), __ATOMIC_ACQUIRE);
		uint64_t to_end = r->size - (head & r->mask);
		uint32_t n = w & ~VG_RING_PAD;

		if (w == 0 || n < 8 || (n & 7) || n > to_end || head + n - tail > r->size)
			break;
		if ((w & VG_RING_PAD) && n != to_end)
			break;
		if (!(w & VG_RING_PAD))
			__atomic_store_n(&h->records, h->records + 1, __ATOMIC_RELAXED);
		head += n;
	}
	__atomic_store_n(&h->head, head, __ATOMIC_RELEASE);
}

/* A fresh segment in the empty object fd (the setup lock is held). */
static int
init_segment(struct vg_logshm *shm, int fd, uint32_t nrings, uint64_t ring_size, uint32_t features,
	const char *bare, char *err, size_t errlen)
{
	struct vg_shm_header *h;
	void *mem;
	int e;

	if (ftruncate(fd, (off_t)shm->size) != 0) {
		e = errno;
		goto fail;
	}
	/* Reserve the pages now: a full /dev/shm would otherwise fault later. */
	e = posix_fallocate(fd, 0, (off_t)shm->size);
	if (e != 0 && e != EOPNOTSUPP && e != EINVAL)
		goto fail;
	mem = mmap(NULL, shm->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		e = errno;
		goto fail;
	}
	h = mem;
	memcpy(h->magic, VG_SHM_MAGIC, 8);
	h->nrings = nrings;
	h->ring_size = ring_size;
	h->segment_size = shm->size;
	h->features = features;
	h->producer_pid = (uint64_t)getpid();
	h->generation = 1;
	h->flags = VG_SHM_F_LIVE_LOCK;
	h->schema_hash = vg_schema_set_hash();
	shm->hdr = h;
	if (lock_byte(fd, LOCK_LIVE, F_WRLCK, false) != 0 || map_rings(shm) != 0) {
		e = errno;
		munmap(mem, shm->size);
		shm->hdr = NULL;
		goto fail;
	}
	/* The version is published last: a reader seeing it sees a whole header. */
	__atomic_store_n(&h->version, VG_SHM_VERSION, __ATOMIC_RELEASE);
	return 0;
fail:
	shm_unlink(shm->name);
	set_err(err, errlen,
		"cannot create shared memory %s of %" PRIu64 " bytes (%s); make room in "
		"/dev/shm or use a smaller --ring-size",
		bare, shm->size, strerror(e));
	errno = e;
	return -1;
}

/* Takes over the mapped segment of a producer that is gone. */
static int
take_over(struct vg_logshm *shm, int fd, uint32_t features, const char *bare, char *err,
	size_t errlen)
{
	struct vg_shm_header *h = shm->hdr;

	if (map_rings(shm) != 0 || lock_byte(fd, LOCK_LIVE, F_WRLCK, false) != 0) {
		int e = errno;

		set_err(err, errlen, "cannot take over shared memory %s (%s)", bare, strerror(e));
		errno = e;
		return -1;
	}
	for (uint32_t i = 0; i < shm->nrings; i++)
		ring_recover(&shm->rings[i]);
	h->producer_pid = (uint64_t)getpid();
	h->features = features;
	h->flags |= VG_SHM_F_LIVE_LOCK;
	__atomic_store_n(&h->generation, h->generation + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&h->producer_done, 0, __ATOMIC_RELEASE);
	return 0;
}

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/*
 * One attempt under the setup lock: 0 opened (shm filled in), 1 the object
 * was replaced or removed meanwhile (try again), -1 failed.
 */
static int
open_attempt(struct vg_logshm *shm, const char *bare, uint32_t nrings, uint64_t ring_size,
	uint32_t features, char *err, size_t errlen)
{
	struct vg_shm_header *h;
	struct stat st;
	void *mem;
	int fd, e;

	fd = shm_open(shm->name, O_RDWR | O_CREAT, 0600);
	if (fd < 0) {
		e = errno;
		set_err(err, errlen,
			"cannot open shared memory %s (%s); check the name and /dev/shm's "
			"permissions",
			bare, strerror(e));
		errno = e;
		return -1;
	}
	if (lock_byte(fd, LOCK_SETUP, F_WRLCK, true) != 0 || fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		set_err(err, errlen, "cannot lock shared memory %s (%s)", bare, strerror(e));
		errno = e;
		return -1;
	}
	if (!same_object(shm->name, &st)) {
		close(fd);
		return 1;
	}
	if (st.st_size == 0) {
		if (init_segment(shm, fd, nrings, ring_size, features, bare, err, errlen) != 0) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		goto opened;
	}
	if ((uint64_t)st.st_size < VG_SHM_ALIGN) {
		close(fd);
		goto foreign;
	}
	mem = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		e = errno;
		close(fd);
		set_err(err, errlen, "cannot map shared memory %s (%s)", bare, strerror(e));
		errno = e;
		return -1;
	}
	h = mem;
	uint32_t version = __atomic_load_n(&h->version, __ATOMIC_ACQUIRE);
	bool ours = memcmp(h->magic, VG_SHM_MAGIC, 8) == 0;

	if (!ours && !(version == 0 && all_zero(h, sizeof(*h)))) {
		munmap(mem, (size_t)st.st_size);
		close(fd);
		goto foreign;
	}
	if (version != 0 && version != VG_SHM_VERSION) {
		munmap(mem, (size_t)st.st_size);
		close(fd);
		set_err(err, errlen,
			"shared memory %s has layout version %u, this vigil uses %u; stop the "
			"vigil that made it and remove /dev/shm/%s",
			bare, version, VG_SHM_VERSION, bare);
		errno = EPROTO;
		return -1;
	}
	/* Version 0 is a creator that died half-way (we hold the setup lock). */
	if (version != 0 && header_producer_alive(h, fd)) {
		uint64_t pid = h->producer_pid;

		munmap(mem, (size_t)st.st_size);
		close(fd);
		set_err(err, errlen,
			"shared memory %s is in use by process %" PRIu64 "; stop it or choose "
			"another --logd name",
			bare, pid);
		errno = EBUSY;
		return -1;
	}
	/* Records of other schemas could not be read: such a segment is another layout. */
	if (version != 0 && h->nrings == nrings && h->ring_size == ring_size &&
		h->segment_size == (uint64_t)st.st_size && shm->size == (uint64_t)st.st_size &&
		h->schema_hash == vg_schema_set_hash()) {
		shm->hdr = h;
		if (take_over(shm, fd, features, bare, err, errlen) != 0) {
			e = errno;
			munmap(mem, (size_t)st.st_size);
			shm->hdr = NULL;
			free(shm->rings);
			shm->rings = NULL;
			close(fd);
			errno = e;
			return -1;
		}
		goto opened;
	}
	/* Another layout, nobody using it: remove it and start again. */
	munmap(mem, (size_t)st.st_size);
	shm_unlink(shm->name);
	close(fd);
	return 1;
opened:
	shm->fd = fd;
	shm->owner = true;
	note_object(shm, fd);
	lock_byte(fd, LOCK_SETUP, F_UNLCK, false);
	return 0;
foreign:
	set_err(err, errlen,
		"shared memory %s exists and is not a vigil log segment; choose another "
		"--logd name or remove /dev/shm/%s",
		bare, bare);
	errno = EEXIST;
	return -1;
}

struct vg_logshm *
vg_logshm_open_producer(const char *name, uint32_t nrings, uint64_t ring_size, uint32_t features,
	char *err, size_t errlen)
{
	struct vg_logshm *shm;
	const char *bare;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (name == NULL || name[0] == '\0') {
		shm = vg_logshm_create(NULL, nrings, ring_size, features);
		if (shm == NULL)
			set_err(err, errlen, "cannot create the log rings (%s)", strerror(errno));
		return shm;
	}
	bare = name[0] == '/' ? name + 1 : name;
	if (bare[0] == '\0' || strchr(bare, '/') != NULL || strlen(bare) > 62) {
		set_err(err, errlen,
			"shared memory name '%s' is not valid; use 1 to 62 characters "
			"without '/'",
			name);
		errno = EINVAL;
		return NULL;
	}
	if (nrings == 0 || ring_size < 4096 || ring_size > (1ULL << 32)) {
		set_err(err, errlen,
			"cannot make %u rings of %" PRIu64 " bytes; use at least one ring of "
			"4096 bytes to 4 GiB",
			nrings, ring_size);
		errno = EINVAL;
		return NULL;
	}
	shm = calloc(1, sizeof(*shm));
	if (shm == NULL) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	shm->fd = -1;
	ring_size = pow2_up(ring_size);
	shm->size = VG_SHM_ALIGN + ring_stride(ring_size) * nrings;
	snprintf(shm->name, sizeof(shm->name), "/%s", bare);
	/* Each retry follows a concurrent removal or re-creation of the object. */
	for (int attempt = 0; attempt < 16; attempt++) {
		int rc = open_attempt(shm, bare, nrings, ring_size, features, err, errlen);

		if (rc == 0)
			return shm;
		if (rc < 0) {
			int e = errno;

			free(shm);
			errno = e;
			return NULL;
		}
	}
	set_err(err, errlen,
		"shared memory %s keeps being replaced (another vigil starting with the same "
		"name?); choose another --logd name",
		bare);
	free(shm);
	errno = EAGAIN;
	return NULL;
}

void
vg_logshm_producer_done(struct vg_logshm *shm)
{
	if (shm == NULL || shm->hdr == NULL)
		return;
	__atomic_store_n(&shm->hdr->producer_done, 1, __ATOMIC_RELEASE);
	/* No longer live: a next producer may take over before this one exits. */
	if (shm->fd >= 0)
		lock_byte(shm->fd, LOCK_LIVE, F_UNLCK, false);
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
	shm->fd = -1;
	snprintf(shm->name, sizeof(shm->name), "/%s", name[0] == '/' ? name + 1 : name);
	fd = shm_open(shm->name, O_RDWR, 0);
	if (fd < 0 || fstat(fd, &st) != 0 || (uint64_t)st.st_size < VG_SHM_ALIGN) {
		int e = fd < 0 ? errno : EPROTO;

		if (fd >= 0)
			close(fd);
		free(shm);
		errno = e;
		return NULL;
	}
	shm->size = (uint64_t)st.st_size;
	mem = mmap(NULL, shm->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		int e = errno;

		close(fd);
		free(shm);
		errno = e;
		return NULL;
	}
	shm->hdr = mem;
	if (memcmp(shm->hdr->magic, VG_SHM_MAGIC, 8) != 0 ||
		__atomic_load_n(&shm->hdr->version, __ATOMIC_ACQUIRE) != VG_SHM_VERSION ||
		shm->hdr->segment_size > shm->size || map_rings(shm) != 0) {
		munmap(mem, shm->size);
		close(fd);
		free(shm->rings);
		free(shm);
		errno = EPROTO;
		return NULL;
	}
	/* Kept open to see the producer's live lock; the consumer takes no lock. */
	shm->fd = fd;
	note_object(shm, fd);
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
	if (shm->fd >= 0)
		close(shm->fd);
	free(shm->rings);
	free(shm);
}

int
vg_logshm_claim_consumer(struct vg_logshm *shm)
{
	if (shm->fd < 0) {
		errno = EINVAL;
		return -1;
	}
	if (lock_byte(shm->fd, LOCK_READER, F_WRLCK, false) != 0) {
		if (errno == EAGAIN || errno == EACCES)
			errno = EBUSY;
		return -1;
	}
	return 0;
}

bool
vg_logshm_reader_attached(const struct vg_logshm *shm)
{
	/* The consumer's lock is on its own open file description: ours sees it. */
	return shm->fd >= 0 && byte_locked(shm->fd, LOCK_READER);
}

uint64_t
vg_logshm_generation(const struct vg_logshm *shm)
{
	return __atomic_load_n(&shm->hdr->generation, __ATOMIC_ACQUIRE);
}

bool
vg_logshm_done(const struct vg_logshm *shm)
{
	/* Acquire: every record written before producer_done is visible below. */
	if (!__atomic_load_n(&shm->hdr->producer_done, __ATOMIC_ACQUIRE))
		return false;
	for (uint32_t i = 0; i < shm->nrings; i++)
		if (!vg_ring_empty(&shm->rings[i]))
			return false;
	return true;
}

bool
vg_logshm_producer_alive(const struct vg_logshm *shm)
{
	return header_producer_alive(shm->hdr, shm->fd);
}

bool
vg_logshm_replaced(const struct vg_logshm *shm)
{
	struct stat st;
	int fd;
	bool replaced;

	if (shm->name[0] == '\0')
		return false;
	fd = shm_open(shm->name, O_RDONLY, 0);
	if (fd < 0)
		return errno == ENOENT;
	replaced = fstat(fd, &st) == 0 &&
		((uint64_t)st.st_dev != shm->dev || (uint64_t)st.st_ino != shm->ino);
	close(fd);
	return replaced;
}

int
vg_logshm_remove_if_done(struct vg_logshm *shm)
{
	struct stat st;
	int rc = 0;

	if (shm->name[0] == '\0' || shm->fd < 0)
		return 0;
	if (lock_byte(shm->fd, LOCK_SETUP, F_WRLCK, true) != 0)
		return -1;
	if (fstat(shm->fd, &st) == 0 && same_object(shm->name, &st) && vg_logshm_done(shm))
		rc = shm_unlink(shm->name) == 0 ? 1 : -1;
	lock_byte(shm->fd, LOCK_SETUP, F_UNLCK, false);
	return rc;
}

/*
 * The consumer's cursor ahead of the producer's head: possible only when a
 * killed producer published a record without moving head and the consumer
 * read it before the take-over's ring_recover() looked. The space up to the
 * cursor is free, and the word there was zeroed before that record was
 * published, so the producer simply continues from the cursor.
 */
static inline bool
unlikely_behind(uint64_t head, uint64_t tail)
{
	return __builtin_expect((int64_t)(tail - head) > 0, 0);
}

bool
vg_ring_has_room(const struct vg_ring *r, uint32_t len)
{
	uint64_t head = r->hdr->head;
	uint64_t tail = __atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE);

	if (unlikely_behind(head, tail))
		head = tail;
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

	/* See unlikely_behind(): only after a take-over raced with the consumer. */
	if (unlikely_behind(head, tail))
		head = tail;
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
		__atomic_store_n(
			len_word(r, head), VG_RING_PAD | (uint32_t)to_end, __ATOMIC_RELEASE);
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

bool
vg_ring_empty(const struct vg_ring *r)
{
	uint64_t tail = __atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE);

	return __atomic_load_n((const uint32_t *)(r->data + (tail & r->mask)), __ATOMIC_ACQUIRE) ==
		0;
}

bool
vg_ring_corrupt(const struct vg_ring *r)
{
	uint64_t tail = __atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE);
	uint64_t to_end = r->size - (tail & r->mask);
	uint32_t w =
		__atomic_load_n((const uint32_t *)(r->data + (tail & r->mask)), __ATOMIC_ACQUIRE);
	uint32_t n = w & ~VG_RING_PAD;

	if (w == 0)
		return false;
	return n < 8 || (n & 7) || n > to_end;
}
