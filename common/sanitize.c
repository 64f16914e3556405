/*
 * sanitize.c - names another process chose, made safe to print.
 *
 * Scheme names, command names of peers, opcode names a scheme declared,
 * ringd's version string: anything in ringd's records came from some
 * other process and may hold escape sequences meant for our terminal.
 * The text paths of ringctl and ringtop pass every such name through
 * san_vis() before it is laid out; the JSON paths pass their finished
 * text through san_json() (OpenSSH's strnvis() habit, in one place).
 *
 * Depends on libc only.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* Is c printed as itself: printable ASCII other than the backslash? */
static bool
san_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '\\';
}

const char *
san_vis(char *dst, size_t len, const char *src, size_t max)
{
	static const char digits[] = "01234567";
	size_t i, o = 0;

	if (len == 0)
		return dst;
	for (i = 0; i < max && src[i] != '\0'; i++) {
		unsigned char c = (unsigned char)src[i];

		if (san_plain(c)) {
			if (o + 1 >= len)
				break;
			dst[o++] = (char)c;
		} else if (c == '\\') {
			if (o + 2 >= len)
				break;
			dst[o++] = '\\';
			dst[o++] = '\\';
		} else {
			/* whole escapes only: never a cut "\03" */
			if (o + 4 >= len)
				break;
			dst[o++] = '\\';
			dst[o++] = digits[c >> 6];
			dst[o++] = digits[(c >> 3) & 7];
			dst[o++] = digits[c & 7];
		}
	}
	dst[o] = '\0';
	return dst;
}

bool
san_is_plain(const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/*
 * Length of the well-formed UTF-8 sequence at s (1..4), or 0 when the
 * byte at s does not start one (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF).  *cp gets the code point.
 */
static size_t
san_utf8_seq(const unsigned char *s, size_t left, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n, i;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

char *
san_json(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t len = strlen(text), i = 0, o = 0, n;
	char *out;
	uint32_t cp;

	/* at most six bytes ("\ufffd", "\u009b") for each byte in */
	if (len > (SIZE_MAX - 1) / 6 || (out = malloc(6 * len + 1)) == NULL)
		return NULL;
	while (i < len) {
		n = san_utf8_seq(s + i, len - i, &cp);
		if (n == 0) {
			/* not UTF-8: U+FFFD for this byte, resync after it */
			memcpy(out + o, "\\ufffd", 6);
			o += 6;
			i++;
		} else if (cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
			/* DEL and the C1 controls, escaped as json-c does C0 */
			static const char hex[] = "0123456789abcdef";

			memcpy(out + o, "\\u00", 4);
			out[o + 4] = hex[cp >> 4];
			out[o + 5] = hex[cp & 15];
			o += 6;
			i += n;
		} else {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
	return out;
}
