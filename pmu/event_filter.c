#include "pmu/event_filter.h"
#include "arch/format.h"
#include "arch/string.h"

/* Hex number of at most max_digits at s[*pos], stopping at any non-hex character. */
static bool parse_hex(const char *s, size_t len, size_t *pos, u32 max_digits, u32 *out)
{
	u32 v = 0, digits = 0;
	if (*pos + 2 <= len && s[*pos] == '0' && (s[*pos + 1] == 'x' || s[*pos + 1] == 'X'))
		*pos += 2;
	for (; *pos < len; (*pos)++, digits++) {
		char c = s[*pos];
		u32 d;
		if (c >= '0' && c <= '9')
			d = (u32)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (u32)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (u32)(c - 'A' + 10);
		else
			break;
		v = v * 16 + d;
	}
	*out = v;
	return digits > 0 && digits <= max_digits;
}

static int parse_events(const char *s, size_t len, size_t *pos, struct event_filter *f,
			char *err, size_t errlen)
{
	for (;;) {
		u32 event, umask;
		if (f->nr == EVENT_FILTER_MAX) {
			format(err, errlen, "pmu_filter: more than %d events", EVENT_FILTER_MAX);
			return -1;
		}
		if (!parse_hex(s, len, pos, 3, &event) || *pos >= len || s[*pos] != '.' ||
		    (++*pos, !parse_hex(s, len, pos, 2, &umask))) {
			format(err, errlen, "pmu_filter: expected EVENT.UMASK in hex at '%.*s'",
			       (int)(len - *pos), s + *pos);
			return -1;
		}
		f->events[f->nr].event = (u16)event;
		f->events[f->nr].umask = (u8)umask;
		f->nr++;
		if (*pos >= len || s[*pos] != ',')
			return 0;
		(*pos)++;
	}
}

int event_filter_parse(const char *s, size_t len, struct event_filter *out, char *err,
		       size_t errlen)
{
	*out = (struct event_filter){ .active = true };
	size_t pos;
	if (len >= 6 && !strncmp(s, "allow:", 6)) {
		out->allow = true;
		pos = 6;
	} else if (len >= 5 && !strncmp(s, "deny:", 5)) {
		pos = 5;
	} else {
		format(err, errlen, "pmu_filter: must start with allow: or deny:");
		return -1;
	}
	if (pos < len && s[pos] != ':' && parse_events(s, len, &pos, out, err, errlen))
		return -1;
	if (pos == len)
		return 0;
	u32 mask;
	if (len - pos >= 7 && !strncmp(s + pos, ":fixed=", 7)) {
		pos += 7;
		if (parse_hex(s, len, &pos, 2, &mask) && pos == len) {
			out->fixed_mask = mask;
			return 0;
		}
	}
	format(err, errlen, "pmu_filter: unexpected '%.*s' (expected :fixed=MASK at the end)",
	       (int)(len - pos), s + pos);
	return -1;
}

bool event_filter_allows(const struct event_filter *f, u16 event, u8 umask)
{
	if (!f->active)
		return true;
	for (u32 i = 0; i < f->nr; i++)
		if (f->events[i].event == event && f->events[i].umask == umask)
			return f->allow;
	return !f->allow;
}

bool event_filter_allows_fixed(const struct event_filter *f, u32 index)
{
	if (!f->active)
		return true;
	bool listed = f->fixed_mask & (1u << index);
	return f->allow ? listed : !listed;
}
