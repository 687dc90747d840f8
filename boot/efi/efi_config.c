#include "boot/efi/efi_config.h"
#include "arch/format.h"
#include "arch/string.h"

struct line {
	const char *s;
	size_t len;
	u32 number;
};

static bool starts_with(const struct line *l, const char *word, size_t *rest)
{
	size_t n = strlen(word);
	if (l->len < n || strncmp(l->s, word, n) || (l->len > n && l->s[n] != ' '))
		return false;
	*rest = n;
	while (*rest < l->len && l->s[*rest] == ' ')
		(*rest)++;
	return true;
}

static int copy(char *dst, size_t cap, const char *src, size_t n)
{
	if (n >= cap)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

static int parse_module(const struct line *l, size_t at, struct efi_config *c, char *err,
			size_t errlen)
{
	if (c->nr_modules == BOOT_MAX_MODULES) {
		format(err, errlen, "line %u: more than %d modules", l->number, BOOT_MAX_MODULES);
		return -1;
	}
	size_t end = at;
	while (end < l->len && l->s[end] != ' ')
		end++;
	if (end == at) {
		format(err, errlen, "line %u: module needs a path", l->number);
		return -1;
	}
	size_t str = end;
	while (str < l->len && l->s[str] == ' ')
		str++;
	const char *base = l->s + at;
	for (size_t i = at; i < end; i++)
		if (l->s[i] == '/' || l->s[i] == '\\')
			base = l->s + i + 1;
	typeof(c->modules[0]) *m = &c->modules[c->nr_modules];
	bool has_string = str < l->len;
	if (copy(m->path, sizeof(m->path), l->s + at, end - at) ||
	    (has_string ? copy(m->string, sizeof(m->string), l->s + str, l->len - str)
			: copy(m->string, sizeof(m->string), base, (size_t)(l->s + end - base)))) {
		format(err, errlen, "line %u: module path or string too long", l->number);
		return -1;
	}
	c->nr_modules++;
	return 0;
}

static int parse_line(const struct line *l, struct efi_config *c, bool *seen_cmdline,
		      char *err, size_t errlen)
{
	size_t rest;
	if (l->len == 0 || l->s[0] == '#')
		return 0;
	if (starts_with(l, "cmdline", &rest)) {
		if (*seen_cmdline) {
			format(err, errlen, "line %u: a second cmdline", l->number);
			return -1;
		}
		*seen_cmdline = true;
		if (copy(c->cmdline, sizeof(c->cmdline), l->s + rest, l->len - rest)) {
			format(err, errlen, "line %u: command line too long", l->number);
			return -1;
		}
		return 0;
	}
	if (starts_with(l, "module", &rest))
		return parse_module(l, rest, c, err, errlen);
	format(err, errlen, "line %u: expected 'cmdline ...' or 'module PATH [STRING]': '%.*s'",
	       l->number, (int)(l->len > 40 ? 40 : l->len), l->s);
	return -1;
}

int efi_config_parse(const char *text, size_t len, struct efi_config *out, char *err,
		     size_t errlen)
{
	memset(out, 0, sizeof(*out));
	bool seen_cmdline = false;
	struct line l = { text, 0, 0 };
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		l.number++;
		l.len = (size_t)(text + i - l.s);
		while (l.len && (l.s[l.len - 1] == '\r' || l.s[l.len - 1] == ' '))
			l.len--;
		while (l.len && l.s[0] == ' ')
			l.s++, l.len--;
		if (parse_line(&l, out, &seen_cmdline, err, errlen))
			return -1;
		l.s = text + i + 1;
	}
	return 0;
}
