#include "core/cmdline.h"
#include "arch/format.h"
#include "arch/log.h"
#include "arch/platform_exit.h"
#include "arch/string.h"
#include "pmu/event_filter.h"

enum scope { GLOBAL, PER_GUEST };
enum kind { CHOICE, UINT, NAME, PARSED };

static bool parse_uint(const char *s, size_t len, u64 *out);

typedef int (*parse_fn)(const char *s, size_t len, void *dst, char *err, size_t errlen);

struct key {
	const char *name;
	enum scope scope;
	enum kind kind;
	size_t offset; /* into struct config (GLOBAL) or struct guest_config */
	const char *const *choices; /* CHOICE: NULL-terminated, index = stored value */
	u64 min, max;               /* UINT */
	const char *help;
	parse_fn parse;             /* PARSED */
};

static const char *const log_choices[] = { [LOG_ERROR] = "error", [LOG_WARN] = "warn",
					   [LOG_INFO] = "info", [LOG_DEBUG] = "debug", NULL };
static const char *const exit_choices[] = { [EXIT_AUTO] = "auto", [EXIT_QEMU] = "qemu",
					    [EXIT_BOCHS] = "bochs", [EXIT_RESET] = "reset",
					    [EXIT_HALT] = "halt", NULL };
static const char *const crash_choices[] = { [CRASH_NONE] = "none", [CRASH_UD] = "ud",
					     [CRASH_GP] = "gp", [CRASH_PF] = "pf",
					     [CRASH_DE] = "de", NULL };
static const char *const vpmu_choices[] = { [VPMU_OFF] = "off", [VPMU_EMULATED] = "emulated",
					    [VPMU_MEDIATED] = "mediated", NULL };
static const char *const break_choices[] = { [BREAK_NONE] = "none", [BREAK_ENTRY] = "entry",
					     NULL };
static const char *const on_off_choices[] = { [OFF] = "off", [ON] = "on", NULL };
static const char *const unbacked_choices[] = { [UNBACKED_ONES] = "ones",
						[UNBACKED_STOP] = "stop", NULL };
static const char *const profile_choices[] = { [PROFILE_HOST] = "host",
					       [PROFILE_INTEL_V4] = "intel-v4",
					       [PROFILE_INTEL_V5_METRICS] = "intel-v5-metrics",
					       [PROFILE_AMD_LEGACY] = "amd-legacy",
					       [PROFILE_AMD_CORE_V2] = "amd-core-v2",
					       [PROFILE_AMD_CORE] = "amd-core", NULL };

static const char *const switch_choices[] = { [PMU_SWITCH_AUTO] = "auto",
					      [PMU_SWITCH_MSR_LISTS] = "msr-lists", NULL };

static int parse_filter(const char *s, size_t len, void *dst, char *err, size_t errlen)
{
	return event_filter_parse(s, len, dst, err, errlen);
}

/* expect=N (an exit status) or expect=WORD (stopped, with a reason starting with WORD). */
static int parse_expect(const char *s, size_t len, void *dst, char *err, size_t errlen)
{
	struct guest_expect *e = dst;
	u64 status;
	if (parse_uint(s, len, &status) && status <= 255) {
		*e = (struct guest_expect){ .status = (u32)status };
		return 0;
	}
	if (len >= CONFIG_REASON_MAX || (s[0] >= '0' && s[0] <= '9')) {
		format(err, errlen, "bad value '%.*s' for key 'expect' (expected an exit status "
		       "0..255 or a stop reason of at most %u characters)", (int)len, s,
		       CONFIG_REASON_MAX - 1);
		return -1;
	}
	*e = (struct guest_expect){ .status = 1 };
	memcpy(e->stop_reason, s, len);
	e->stop_reason[len] = '\0';
	return 0;
}

/* initrd=NAME: a module name, as guest= takes one. */
static int parse_module_name(const char *s, size_t len, void *dst, char *err, size_t errlen)
{
	if (len >= CONFIG_NAME_MAX) {
		format(err, errlen, "module name '%.*s' is too long (at most %u characters)", (int)len,
		       s, CONFIG_NAME_MAX - 1);
		return -1;
	}
	memcpy(dst, s, len);
	((char *)dst)[len] = '\0';
	return 0;
}

bool guest_expect_met(const struct guest_expect *e, bool exited_itself, int status,
		      const char *reason)
{
	if (!e->stop_reason[0])
		return exited_itself && status == (int)e->status;
	size_t n = strlen(e->stop_reason);
	return !exited_itself && !strncmp(reason, e->stop_reason, n);
}

static const char *const aperfmperf_choices[] = { [APERFMPERF_INTERCEPT] = "intercept",
						  [APERFMPERF_PASSTHROUGH] = "passthrough", NULL };


#define GLOBAL_CHOICE(n, field, list, text) \
	{ .name = n, .scope = GLOBAL, .kind = CHOICE, \
	  .offset = offsetof(struct config, field), .choices = list, .help = text }
#define GLOBAL_UINT(n, field, lo, hi, text) \
	{ .name = n, .scope = GLOBAL, .kind = UINT, \
	  .offset = offsetof(struct config, field), .min = lo, .max = hi, .help = text }
#define GUEST_CHOICE(n, field, list, text) \
	{ .name = n, .scope = PER_GUEST, .kind = CHOICE, \
	  .offset = offsetof(struct guest_config, field), .choices = list, .help = text }
#define GUEST_UINT(n, field, lo, hi, text) \
	{ .name = n, .scope = PER_GUEST, .kind = UINT, \
	  .offset = offsetof(struct guest_config, field), .min = lo, .max = hi, .help = text }

static const struct key keys[] = {
	GLOBAL_CHOICE("log", log_level, log_choices, "serial log level"),
	GLOBAL_CHOICE("exit", exit_method, exit_choices,
		      "how the run ends and carries its status out"),
	GLOBAL_CHOICE("crash", crash, crash_choices,
		      "test hook: raise this exception in the hypervisor at boot"),
	GLOBAL_CHOICE("pmu_profile", pmu_profile, profile_choices,
		      "host PMU to assume instead of the probed one (emulators)"),
	GLOBAL_CHOICE("pmu_switch", pmu_switch, switch_choices,
		      "VT-x: switch PERF_GLOBAL_CTRL with the entry/exit controls when the CPU has "
		      "them (auto) or always with the MSR-load lists"),
	GLOBAL_UINT("slice", slice_us, 100, 1000000,
		    "microseconds a guest of a group runs before the next one's turn"),
	{ .name = "guest", .scope = GLOBAL, .kind = NAME,
	  .help = "start a guest: the module whose first word is NAME" },
	GUEST_CHOICE("vpmu", vpmu, vpmu_choices, "guest PMU mode"),
	GUEST_CHOICE("aperfmperf", aperfmperf, aperfmperf_choices, "APERF/MPERF reads"),
	GUEST_CHOICE("break", break_state, break_choices,
		     "test hook: corrupt the guest state so the first VM entry fails"),
	GUEST_UINT("pmu_gp", pmu_gp, 0, 8,
		   "general-purpose counters given (default: all the host has)"),
	GUEST_UINT("pmu_fixed", pmu_fixed, 0, 0xF,
		   "bitmap of fixed counters given (default: all the host has)"),
	{ .name = "pmu_filter", .scope = PER_GUEST, .kind = PARSED,
	  .offset = offsetof(struct guest_config, pmu_filter), .parse = parse_filter,
	  .help = "event filter, allow:EV.UM,...[:fixed=MASK] or deny:..." },
	GUEST_CHOICE("pmu_trace", pmu_trace, on_off_choices,
		     "record every PMU access and print the trace when the guest ends"),
	GUEST_UINT("mem", mem_mib, 2, 256, "guest RAM in MiB"),
	GUEST_CHOICE("unbacked", unbacked, unbacked_choices,
		     "guest-physical addresses with no RAM and no device: reads return all "
		     "ones and writes are dropped, as on a PC (ones), or the guest is stopped "
		     "(stop)"),
	{ .name = "initrd", .scope = PER_GUEST, .kind = PARSED,
	  .offset = offsetof(struct guest_config, initrd), .parse = parse_module_name,
	  .help = "Linux guest (a bzImage module): the module whose first word is NAME is its "
		  "initrd" },
	GUEST_UINT("timeout", timeout_ms, 10, 3600000, "guest watchdog in ms"),
	GUEST_UINT("group", group, 0, 255,
		   "guests with the same group N > 0 share the CPU, round-robin (0: alone)"),
	{ .name = "expect", .scope = PER_GUEST, .kind = PARSED,
	  .offset = offsetof(struct guest_config, expect), .parse = parse_expect,
	  .help = "how the guest should end: N (its exit status, default 0) or WORD "
		  "(stopped by pmuvisor with a reason starting with WORD, e.g. watchdog)" },
};

void config_defaults(struct config *c)
{
	*c = (struct config){
		.log_level = LOG_INFO,
		.exit_method = EXIT_AUTO,
		.crash = CRASH_NONE,
		.slice_us = 1000,
		.defaults = { .vpmu = VPMU_OFF, .mem_mib = 16, .timeout_ms = 60000,
			      .pmu_gp = PMU_ALL_COUNTERS, .pmu_fixed = PMU_ALL_COUNTERS },
	};
}

static const struct key *find_key(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strlen(keys[i].name) == len && !strncmp(keys[i].name, name, len))
			return &keys[i];
	return NULL;
}

static void choices_text(const struct key *k, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (const char *const *c = k->choices; *c; c++)
		n += (size_t)format(buf + n, n < size ? size - n : 0, "%s%s",
				    c == k->choices ? "" : "|", *c);
}

/* Parses an unsigned decimal or 0x-hex number of exactly len characters. */
static bool parse_uint(const char *s, size_t len, u64 *out)
{
	unsigned base = 10;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return false;
	u64 v = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		if (v > (~0ULL - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

struct parser {
	struct config *cfg;
	struct guest_config *guest; /* where per-guest keys go */
	char *err;
	size_t errlen;
};

static int fail(struct parser *p, const char *fmt, const char *a, int alen, const char *b)
{
	format(p->err, p->errlen, fmt, alen, a, b);
	return -1;
}

static int set_value(struct parser *p, const struct key *k, const char *val, size_t vlen)
{
	u8 *base = k->scope == GLOBAL ? (u8 *)p->cfg : (u8 *)p->guest;
	switch (k->kind) {
	case CHOICE:
		for (u32 i = 0; k->choices[i]; i++) {
			if (strlen(k->choices[i]) == vlen && !strncmp(k->choices[i], val, vlen)) {
				*(u32 *)(base + k->offset) = i;
				return 0;
			}
		}
		char expected[128];
		choices_text(k, expected, sizeof(expected));
		format(p->err, p->errlen, "bad value '%.*s' for key '%s' (expected %s)", (int)vlen,
		       val, k->name, expected);
		return -1;
	case UINT: {
		u64 v;
		if (!parse_uint(val, vlen, &v) || v < k->min || v > k->max) {
			format(p->err, p->errlen,
			       "bad value '%.*s' for key '%s' (expected a number from %lu to %lu)",
			       (int)vlen, val, k->name, k->min, k->max);
			return -1;
		}
		*(u64 *)(base + k->offset) = v;
		return 0;
	}
	case PARSED:
		return k->parse(val, vlen, base + k->offset, p->err, p->errlen);
	case NAME:
		if (vlen >= CONFIG_NAME_MAX)
			return fail(p, "guest name '%.*s' is too long%s", val, (int)vlen, "");
		if (p->cfg->nr_guests == CONFIG_MAX_GUESTS)
			return fail(p, "too many guests at '%.*s'%s", val, (int)vlen, "");
		p->guest = &p->cfg->guests[p->cfg->nr_guests++];
		*p->guest = p->cfg->defaults;
		memcpy(p->guest->name, val, vlen);
		p->guest->name[vlen] = '\0';
		return 0;
	}
	return -1;
}

static int parse_token(struct parser *p, const char *tok, size_t len)
{
	const char *eq = NULL;
	for (size_t i = 0; i < len && !eq; i++)
		if (tok[i] == '=')
			eq = tok + i;
	if (!eq)
		return fail(p, "'%.*s' is not a key=value token%s", tok, (int)len, "");
	size_t klen = (size_t)(eq - tok), vlen = len - klen - 1;
	const struct key *k = find_key(tok, klen);
	if (!k)
		return fail(p, "unknown key '%.*s'%s", tok, (int)klen, "");
	if (vlen == 0)
		return fail(p, "key '%.*s' has an empty value%s", tok, (int)klen, "");
	return set_value(p, k, eq + 1, vlen);
}

int cmdline_parse(const char *s, struct config *out, char *err, size_t errlen)
{
	config_defaults(out);
	struct parser p = { out, &out->defaults, err, errlen };
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		size_t len = 0;
		while (s[len] && s[len] != ' ' && s[len] != '\t' && s[len] != '\n' && s[len] != '\r')
			len++;
		if (len && parse_token(&p, s, len))
			return -1;
		s += len;
	}
	if (errlen)
		err[0] = '\0';
	return 0;
}

void cmdline_describe(void (*emit)(const char *line))
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const struct key *k = &keys[i];
		char values[128], line[256];
		if (k->kind == CHOICE)
			choices_text(k, values, sizeof(values));
		else if (k->kind == UINT)
			format(values, sizeof(values), "%lu..%lu", k->min, k->max);
		else
			format(values, sizeof(values), k->kind == NAME ? "NAME" : "VALUE");
		format(line, sizeof(line), "%s=%s  %s%s", k->name, values, k->help,
		       k->scope == PER_GUEST ? " (per guest)" : "");
		emit(line);
	}
}
