/*
 * <redox/ring.h> - relibc's redox_ring API (Redox, 2026) on Linux.
 *
 * The twelve functions a Redox program uses to talk to a scheme through a
 * pair of shared-memory rings, with relibc's C signatures and semantics,
 * so that such a program builds and runs here unchanged:
 *
 *	cc prog.c $(pkg-config --cflags --libs redox-ring)
 *
 * The ring is set up through ringd, which asks the scheme the path names
 * (/scheme/<name>, /scheme/<name>/..., or a bare <name>) for it.
 * Entries are raw bytes of the sizes given at setup; the two upstream
 * entry formats (disk and file system) are in <redox/ring-scheme.h>.
 * See redox_ring(3).
 *
 * Only declarations live here: programs declare some of these functions
 * again themselves, and the entry structs under their own names, so this
 * header must not define any other name.
 */
#ifndef _REDOX_RING_H
#define _REDOX_RING_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque: allocate redox_ring_sizeof() bytes and pass them to init. */
typedef struct redox_ring redox_ring;

/*
 * Set up a ring of entries SQ entries (the scheme rounds up to a power of
 * two; the CQ gets twice as many) with the scheme at path, and a buffer
 * pool of pool_size bytes handed out in chunk_size chunks (sized == 0) or
 * by size and alignment (sized != 0).  flags: 0.  Returns 0 or -errno.
 */
int redox_ring_queue_init_with_path(unsigned int entries,
    unsigned int sqe_size, unsigned int cqe_size, unsigned int pool_size,
    unsigned int chunk_size, unsigned int sized, struct redox_ring *ring,
    unsigned int flags, const char *path);

/* Give the scheme the fixed file table: 0 or -errno. */
int redox_ring_register_files(struct redox_ring *ring, const int *files,
    unsigned int nr_files);

/*
 * A pool buffer: its byte offset in the pool (>= 0) with *out_ptr set,
 * or -1 when the pool has none free.
 */
int redox_ring_alloc_buf(struct redox_ring *ring, uint8_t **out_ptr);
int redox_ring_alloc_sized(struct redox_ring *ring, unsigned int size,
    unsigned int align, uint8_t **out_ptr);
/* Give a buffer back, by offset or by pointer.  Return 0. */
int redox_ring_free_buf(struct redox_ring *ring, unsigned int offset);
int redox_ring_free_buf_sized(struct redox_ring *ring, uint8_t *ptr);

/* The next free SQ entry (not yet visible to the scheme), or NULL. */
void *redox_ring_get_sqe(struct redox_ring *ring);
/* Publish every entry taken since the last submit: how many. */
int redox_ring_submit(struct redox_ring *ring);
/*
 * Copy the next CQE into cqe without consuming it, sleeping until one
 * comes: 0, or -1 when the ring is broken or its scheme is gone.
 */
int redox_ring_wait_cqe(struct redox_ring *ring, void *cqe);
/* Consume the CQE redox_ring_wait_cqe() returned. */
void redox_ring_cqe_seen(struct redox_ring *ring);

/* Tear the ring down (the memory of *ring stays the caller's). */
void redox_ring_queue_exit(struct redox_ring *ring);
/* Bytes to allocate for a struct redox_ring. */
size_t redox_ring_sizeof(void);

#ifdef __cplusplus
}
#endif

#endif /* _REDOX_RING_H */
