/* hello.c - one NoOp round trip between two processes through libring. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ring/ring.h>

int
main(void)
{
	struct ring_params p = { .sq_entries = 64, .pool_bytes = 4096 };
	struct ring_fds fds;
	struct ring *r;
	struct ring_sqe sqe = { .opcode = RING_OP_NOOP, .user_data = 42 };
	struct ring_cqe cqe;
	pid_t pid;
	int rc;

	if ((rc = ring_pair_create(&p, &fds)) < 0)
		return fprintf(stderr, "hello: %s\n", strerror(-rc)), 1;
	if ((pid = fork()) == 0) {
		/* producer: answer every SQE until the consumer leaves */
		if (ring_open(&fds, RING_ROLE_PRODUCER, &r) < 0)
			_exit(1);
		while (ring_wait(r, RING_EV_IN, -1) > 0)
			while (ring_sq_pop(r, &sqe) == 0) {
				memset(&cqe, 0, sizeof(cqe));
				cqe.user_data = sqe.user_data;
				ring_cq_push(r, &cqe);
			}
		ring_close(r);
		_exit(0);
	}
	if ((rc = ring_open(&fds, RING_ROLE_CONSUMER, &r)) < 0)
		return fprintf(stderr, "hello: %s\n", strerror(-rc)), 1;
	ring_fds_close(&fds);
	ring_sq_push(r, &sqe);
	ring_wait(r, RING_EV_IN, -1);
	ring_cq_pop(r, &cqe);
	printf("completion: user_data=%llu status=%lld\n",
	    (unsigned long long)cqe.user_data, (long long)cqe.status);
	ring_close(r); /* DROP: the producer's wait returns -ESHUTDOWN */
	waitpid(pid, NULL, 0);
	return 0;
}
