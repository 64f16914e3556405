/*
 * tmux.h - a real terminal for the tests: a private tmux server whose
 * panes run the program under test, driven with send-keys and read with
 * capture-pane.
 *
 * tm_start() runs tmux in the foreground (-D) as a helper of the sub-test
 * (tap_fork()), on the socket DIR/tmux.sock with no configuration file, so
 * the server dies with the sub-test however it ends and no other tmux
 * server is ever touched.  Every client command is run with -N on that
 * socket alone: it never starts a server of its own.  The server stays up
 * when its last session ends; tm_stop() kills it and removes the socket.
 *
 * Screens are captured into buffers of TM_SCREEN_MAX bytes.  Every helper
 * that can fail reports through the harness (tap.h) and ends the sub-test.
 */
#ifndef TM_TMUX_H
#define TM_TMUX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tap.h"

#define TM_SCREEN_MAX 65536
#define TM_SOCK_NAME "tmux.sock" /* the server's socket in its directory */
#define TM_WAIT_MS 15000u	 /* default for tm_wait() */

/* One private tmux server and the session the test drives. */
struct tm_server {
	pid_t pid;	  /* the server, a helper; 0 when not running */
	char sock[108];	  /* its socket (fits sun_path) */
	char session[32]; /* the session tm_new_session() made */
	unsigned wait_ms; /* how long tm_wait() waits; 0 for TM_WAIT_MS */
};

/* Whether a tmux binary runs here. */
bool tm_available(void);

/* Start a server with its socket in dir, and wait until it answers. */
void tm_start(struct tm_server *t, const char *dir);
/* Kill the server (with its panes), reap it and remove the socket. */
void tm_stop(struct tm_server *t);

/*
 * Run a tmux command on the server with the arguments given
 * (NULL-terminated), its stdout into out (may be NULL; truncated to
 * size - 1 bytes); returns its exit status (128 + signal if killed).
 */
int tm_run(const struct tm_server *t, char *out, size_t size, const char *first,
    ...) __attribute__((sentinel));
/* A tmux command that must succeed. */
#define TM_RUN(t, ...) \
	do { \
		int tm_rc_ = tm_run((t), NULL, 0, __VA_ARGS__, (char *)NULL); \
		if (tm_rc_ != 0) \
			TAP_FAIL("tmux %s: status %d", #__VA_ARGS__, tm_rc_); \
	} while (0)

/*
 * A detached session name of w x h columns and lines running the shell
 * command cmd.  Its window keeps that size while no client is attached.
 */
void tm_new_session(struct tm_server *t, const char *name, int w, int h,
    const char *cmd);
/* Whether the session still exists (its command has not ended). */
bool tm_has_session(const struct tm_server *t);

/* The session's visible screen, lines without trailing blanks. */
void tm_capture(const struct tm_server *t, char *buf, size_t size);
/* A tmux format expanded for the session (display-message -p), one line. */
void tm_format(const struct tm_server *t, const char *fmt, char *out,
    size_t size);
/* A screen as '#' lines, each marked with '|'. */
void tm_dump(const char *screen);

/*
 * Wait until the screen shows s (tm_wait) or no longer does
 * (tm_wait_gone), capturing into buf of TM_SCREEN_MAX bytes, which holds
 * the last screen on return; after t->wait_ms, dump it and fail.
 */
void tm_wait_at(const struct tm_server *t, const char *s, bool gone, char *buf,
    const char *file, int line);
#define tm_wait(t, s, buf) \
	tm_wait_at((t), (s), false, (buf), __FILE__, __LINE__)
#define tm_wait_gone(t, s, buf) \
	tm_wait_at((t), (s), true, (buf), __FILE__, __LINE__)

/*
 * Wait until ok(screen, arg) holds for a screen captured into buf, as
 * tm_wait() does; on failure the report reads "the screen " then what.
 */
void tm_wait_until_at(const struct tm_server *t,
    bool (*ok)(const char *screen, const void *arg), const void *arg,
    const char *what, char *buf, const char *file, int line);
#define tm_wait_until(t, ok, arg, what, buf) \
	tm_wait_until_at((t), (ok), (arg), (what), (buf), __FILE__, __LINE__)

/* Send one key by name (Enter, C-u, F6, q). */
void tm_keys(const struct tm_server *t, const char *key);
/* Send one key, then wait until the screen shows s (as tm_wait). */
void tm_press_at(const struct tm_server *t, const char *key, const char *s,
    char *buf, const char *file, int line);
#define tm_press(t, key, s, buf) \
	tm_press_at((t), (key), (s), (buf), __FILE__, __LINE__)
/* Type text literally, with no key-name lookup. */
void tm_type(const struct tm_server *t, const char *text);
/*
 * Completion in a shell at its prompt: clear the line (C-u), type line,
 * press Tab, then type '@'.  The shell reads the '@' only after the
 * completion has finished, so once the cursor line ends in '@' it shows
 * what Tab did, whether it added something or nothing.
 */
void tm_tab(const struct tm_server *t, const char *line);

#endif /* TM_TMUX_H */
