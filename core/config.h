/* What the command line configures: global settings and one entry per guest. */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H

#include "arch/types.h"
#include "pmu/event_filter.h"

#define CONFIG_MAX_GUESTS 32
#define CONFIG_NAME_MAX 64

/* Choice values are indexes into the choice lists of core/cmdline.c. */
enum vpmu_mode { VPMU_OFF, VPMU_EMULATED, VPMU_MEDIATED };
enum aperfmperf_mode { APERFMPERF_INTERCEPT, APERFMPERF_PASSTHROUGH };
enum crash_kind { CRASH_NONE, CRASH_UD, CRASH_GP, CRASH_PF, CRASH_DE };
enum break_kind { BREAK_NONE, BREAK_ENTRY };
enum on_off { OFF, ON };
/* Guest-physical addresses with no RAM and no device: as a PC (all ones), or a stop. */
enum unbacked_mode { UNBACKED_ONES, UNBACKED_STOP };
/* A host PMU description to use instead of the probed one (for emulators). */
enum pmu_profile { PROFILE_HOST, PROFILE_INTEL_V4, PROFILE_INTEL_V5_METRICS, PROFILE_AMD_LEGACY,
		   PROFILE_AMD_CORE_V2, PROFILE_AMD_CORE };

/* How VT-x switches PERF_GLOBAL_CTRL: the entry/exit controls, or the MSR-load lists. */
enum pmu_switch { PMU_SWITCH_AUTO, PMU_SWITCH_MSR_LISTS };

#define PMU_ALL_COUNTERS 0xFF /* pmu_gp / pmu_fixed default: all the host has */

/*
 * How a guest is expected to end (expect=): with its own exit status, or
 * stopped by pmuvisor with a reason that starts with a given word (a guest
 * that is meant to be stopped, such as one that spins until the watchdog).
 */
#define CONFIG_REASON_MAX 24
struct guest_expect {
	char stop_reason[CONFIG_REASON_MAX]; /* "" to expect an exit status */
	u32 status;
};

/* Did a guest that ended so meet what expect= said? */
bool guest_expect_met(const struct guest_expect *e, bool exited_itself, int status,
		      const char *reason);

struct guest_config {
	char name[CONFIG_NAME_MAX]; /* module to run: its first word, e.g. cpuid.elf */
	char initrd[CONFIG_NAME_MAX]; /* module a Linux guest gets as its initrd ("": none) */
	u32 vpmu;                   /* enum vpmu_mode */
	u32 aperfmperf;             /* enum aperfmperf_mode */
	u64 mem_mib;                /* guest RAM */
	u64 timeout_ms;             /* watchdog budget */
	u32 break_state;            /* enum break_kind: test hook, corrupt the guest state */
	u64 pmu_gp;                 /* general-purpose counters given */
	u64 pmu_fixed;              /* bitmap of fixed counters given */
	u32 pmu_trace;              /* enum on_off: record every PMU access */
	u32 unbacked;               /* enum unbacked_mode */
	u64 group;                  /* 0: runs alone; guests with the same N share the CPU */
	struct event_filter pmu_filter;
	struct guest_expect expect;
};

struct config {
	u32 log_level;   /* enum log_level */
	u32 exit_method; /* enum exit_method */
	u32 crash;       /* enum crash_kind: test hook, raise an exception at boot */
	u32 pmu_profile; /* enum pmu_profile */
	u32 pmu_switch;  /* enum pmu_switch */
	u64 slice_us;    /* how long a guest of a group runs before the next one's turn */
	struct guest_config defaults; /* per-guest keys given before any guest= */
	u32 nr_guests;
	struct guest_config guests[CONFIG_MAX_GUESTS];
};

void config_defaults(struct config *c);

#endif
