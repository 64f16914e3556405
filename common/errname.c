/*
 * errname.c - symbolic names of errno values, for messages and JSON
 * ("errno": "ENOENT") that scripts can match without parsing strerror().
 */
#include <errno.h>
#include <strings.h>

#include "common.h"

struct errname_ent {
	int value;
	const char *name;
};

#define E(x) \
	{ \
		x, #x \
	}
static const struct errname_ent errname_tab[] = {
	E(EPERM),
	E(ENOENT),
	E(ESRCH),
	E(EINTR),
	E(EIO),
	E(ENXIO),
	E(E2BIG),
	E(ENOEXEC),
	E(EBADF),
	E(ECHILD),
	E(EAGAIN),
	E(ENOMEM),
	E(EACCES),
	E(EFAULT),
	E(ENOTBLK),
	E(EBUSY),
	E(EEXIST),
	E(EXDEV),
	E(ENODEV),
	E(ENOTDIR),
	E(EISDIR),
	E(EINVAL),
	E(ENFILE),
	E(EMFILE),
	E(ENOTTY),
	E(ETXTBSY),
	E(EFBIG),
	E(ENOSPC),
	E(ESPIPE),
	E(EROFS),
	E(EMLINK),
	E(EPIPE),
	E(EDOM),
	E(ERANGE),
	E(EDEADLK),
	E(ENAMETOOLONG),
	E(ENOLCK),
	E(ENOSYS),
	E(ENOTEMPTY),
	E(ELOOP),
	E(ENOMSG),
	E(EIDRM),
	E(ENOSTR),
	E(ENODATA),
	E(ETIME),
	E(ENOSR),
	E(ENOLINK),
	E(EPROTO),
	E(EBADMSG),
	E(EOVERFLOW),
	E(EILSEQ),
	E(EUSERS),
	E(ENOTSOCK),
	E(EDESTADDRREQ),
	E(EMSGSIZE),
	E(EPROTOTYPE),
	E(ENOPROTOOPT),
	E(EPROTONOSUPPORT),
	E(EOPNOTSUPP),
	E(EAFNOSUPPORT),
	E(EADDRINUSE),
	E(EADDRNOTAVAIL),
	E(ENETDOWN),
	E(ENETUNREACH),
	E(ECONNABORTED),
	E(ECONNRESET),
	E(ENOBUFS),
	E(EISCONN),
	E(ENOTCONN),
	E(ESHUTDOWN),
	E(ETIMEDOUT),
	E(ECONNREFUSED),
	E(EHOSTDOWN),
	E(EHOSTUNREACH),
	E(EALREADY),
	E(EINPROGRESS),
	E(ESTALE),
	E(EDQUOT),
	E(ECANCELED),
	E(EOWNERDEAD),
	E(ENOTRECOVERABLE),
	E(ENOTSUP),
};
#undef E

const char *
errname(int err)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(errname_tab) / sizeof(errname_tab[0]); i++)
		if (errname_tab[i].value == err)
			return errname_tab[i].name;
	return NULL;
}

int
errname_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(errname_tab) / sizeof(errname_tab[0]); i++)
		if (strcasecmp(errname_tab[i].name, name) == 0)
			return errname_tab[i].value;
	return -EINVAL;
}
