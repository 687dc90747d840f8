#include "arch/format.h"

struct sink {
	char *buf;
	size_t size, len;
};

static void put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void put_padded(struct sink *s, const char *str, size_t n, int width, bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;
	if (!left)
		while (fill-- > 0)
			put(s, pad);
	for (size_t i = 0; i < n; i++)
		put(s, str[i]);
	if (left)
		while (fill-- > 0)
			put(s, ' ');
}

/* Digits of v in base, most significant first; returns the count. */
static size_t to_digits(char *out, u64 v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = 0;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

int vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&s, *fmt);
			continue;
		}
		fmt++;
		bool left = false;
		char pad = ' ';
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		int width = 0, precision = -1;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			precision = 0;
			if (*fmt == '*') {
				precision = va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				precision = precision * 10 + (*fmt++ - '0');
		}
		int longs = 0;
		while (*fmt == 'l' || *fmt == 'z') {
			longs += *fmt == 'z' ? 2 : 1;
			fmt++;
		}

		char num[24];
		size_t n;
		u64 v;
		switch (*fmt) {
		case 'd':
		case 'i': {
			s64 sv = longs ? va_arg(ap, s64) : va_arg(ap, int);
			bool neg = sv < 0;
			v = neg ? (u64)0 - (u64)sv : (u64)sv;
			if (neg && pad == '0' && !left) { /* the sign goes before the zeros */
				put(&s, '-');
				width--;
				neg = false;
			}
			num[0] = '-';
			n = to_digits(num + neg, v, 10, false) + neg;
			put_padded(&s, num, n, width, left, pad);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			v = longs ? va_arg(ap, u64) : va_arg(ap, unsigned);
			n = to_digits(num, v, *fmt == 'u' ? 10 : 16, *fmt == 'X');
			put_padded(&s, num, n, width, left, pad);
			break;
		case 'p':
			v = (u64)(uintptr_t)va_arg(ap, void *);
			num[0] = '0';
			num[1] = 'x';
			n = to_digits(num + 2, v, 16, false) + 2;
			put_padded(&s, num, n, width, left, ' ');
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			size_t len = 0; /* a precision bounds how much of the string is read */
			while ((precision < 0 || len < (size_t)precision) && str[len])
				len++;
			put_padded(&s, str, len, width, left, ' ');
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_padded(&s, &c, 1, width, left, ' ');
			break;
		}
		case '%':
			put(&s, '%');
			break;
		case '\0':
			fmt--;
			break;
		default: /* unknown conversion: show it rather than hide it */
			put(&s, '%');
			put(&s, *fmt);
			break;
		}
	}
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vformat(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
