/*
 * The guest ABI of pmuvisor, shared by core/ and guests/ (keep it stable).
 *
 * Hypercalls: VMMCALL (AMD-V) or VMCALL (VT-x) with the number in RAX and
 * arguments in RBX, RCX, RDX; the result comes back in RAX (negative = error).
 *   HC_VERSION      ()                        -> HC_ABI_VERSION
 *   HC_PRINT        (gpa, len)                -> len; the text is printed as one
 *                                                guest line (at most 256 bytes)
 *   HC_EXIT         (status)                  -> does not return: ends the guest
 *   HC_EXIT_COUNTS  (gpa, bytes)              -> EXIT_REASON_COUNT; writes
 *                                                u64 counts[EXIT_REASON_COUNT] of
 *                                                this vCPU's exits so far, by reason
 *                                                (the HC_EXIT_COUNTS call itself
 *                                                is counted before the copy)
 *   HC_HOST_MSR     (msr)                     -> the host's value of an MSR the
 *                                                guest was denied, read by the
 *                                                hypervisor, so a guest can check
 *                                                its write changed nothing; only
 *                                                for FEATURE_CONTROL, MISC_ENABLE
 *                                                and HWCR (no address MSRs)
 *   HC_EXIT_CYCLES  (gpa, bytes)              -> EXIT_REASON_COUNT; writes u64
 *                                                cycles[EXIT_REASON_COUNT]: TSC ticks
 *                                                the hypervisor spent handling this
 *                                                vCPU's exits, by reason (from the
 *                                                exit to the next entry; under QEMU
 *                                                -icount, instructions)
 *   HC_PMU_STATS    (gpa, bytes)              -> sizeof(struct hc_pmu_stats); writes
 *                                                this vCPU's vPMU accounting: the
 *                                                hypervisor's PMU MSR reads and
 *                                                writes by phase, loads, puts, PMIs
 *   HC_HOST_NMIS    ()                        -> host NMIs pmuvisor has taken since
 *                                                it booted (whether the guest or the
 *                                                hypervisor was running)
 *   HC_SCHED_STATS  (gpa, bytes)              -> sizeof(struct hc_sched_stats);
 *                                                writes how this vCPU shares its CPU:
 *                                                its group's size, the slice in TSC
 *                                                ticks, the times the CPU came to it
 *                                                from another guest, and the CPU's
 *                                                guest switches so far
 * Errors: HC_ENOSYS (unknown number), HC_EFAULT (buffer outside guest RAM),
 * HC_EINVAL (bad argument), HC_EPERM (any call but HC_VERSION from CPL > 0:
 * only the guest's kernel may end the guest or look at the host).
 *
 * Ports: COM1 (0x3f8-0x3ff) is forwarded to the serial line as
 * "[guest] line"; a write to 0xf4 (QEMU's isa-debug-exit) ends the guest
 * with that status (0 = pass); a 32-bit write of ID to 0xf8 (the bench
 * mark) prints "hv: guest NAME mark ID ..." with the vCPU's exit counts so
 * far (core/exit_report.h), so a guest whose user space cannot make
 * hypercalls (Linux's init, with ioperm) can bracket a workload. Every other
 * port, and other sizes there, is denied: reads return all ones, writes are
 * dropped, both are counted. INS/OUTS reach the same ports.
 */
#ifndef CORE_ABI_H
#define CORE_ABI_H

#define HC_ABI_VERSION 1

enum hypercall {
	HC_VERSION = 0,
	HC_PRINT = 1,
	HC_EXIT = 2,
	HC_EXIT_COUNTS = 3,
	HC_HOST_MSR = 4,
	HC_PMU_STATS = 5,
	HC_EXIT_CYCLES = 6,
	HC_HOST_NMIS = 7,
	HC_SCHED_STATS = 8,
};

#define HC_EPERM (-1L)
#define HC_ENOSYS (-38L)
#define HC_EFAULT (-14L)
#define HC_EINVAL (-22L)

/* Normalized exit reasons: both backends decode into these. */
enum exit_reason {
	EXIT_CPUID,
	EXIT_MSR_READ,
	EXIT_MSR_WRITE,
	EXIT_IO,
	EXIT_HLT,
	EXIT_HYPERCALL,
	EXIT_NPF,          /* nested/EPT page fault */
	EXIT_EXCEPTION,    /* an intercepted guest exception */
	EXIT_INTERRUPT,    /* a physical interrupt arrived while the guest ran */
	EXIT_NMI,
	EXIT_PMI,          /* a PMI on the mediated vector */
	EXIT_RDPMC,
	EXIT_SHUTDOWN,     /* triple fault */
	EXIT_VIRT_INSN,    /* the guest tried a VMX/SVM instruction */
	EXIT_INTR_WINDOW,  /* the guest can take the interrupt it was waiting for */
	EXIT_NMI_WINDOW,   /* the guest may take the NMI it was waiting for (its IRET, a shadow ended) */
	EXIT_INVALID_STATE, /* VM entry failed */
	EXIT_CR_ACCESS,    /* MOV to/from a control register, CLTS, LMSW */
	EXIT_XSETBV,
	EXIT_OTHER,        /* anything the backend does not decode */
	EXIT_REASON_COUNT
};

/* Phases of the hypervisor's PMU accesses (pmu/pmu_access.h). */
enum hc_pmu_phase { HC_PHASE_INIT, HC_PHASE_LOAD, HC_PHASE_PUT, HC_PHASE_PMI, HC_PHASE_EXIT,
		    HC_PHASE_ENTRY, HC_PHASE_COUNT };

struct hc_pmu_stats {
	unsigned long long reads[HC_PHASE_COUNT], writes[HC_PHASE_COUNT];
	unsigned long long loads, puts, pmis_injected, pmis_dropped;
};

struct hc_sched_stats {
	unsigned long long live;        /* guests sharing the CPU now, this one included */
	unsigned long long slice_tsc;   /* a slice, in TSC ticks */
	unsigned long long switched_in; /* times the CPU came to this vCPU from another guest */
	unsigned long long switches;    /* guest switches on this CPU in this group so far */
};

/* pmuvisor CPUID leaf 0x40000001: EAX = ABI version, EBX = platform PMU facts. */
#define HV_LEAF_PMU_COUNTS (1u << 0)  /* the host PMU really counts events */
#define HV_LEAF_RDPMC_WORKS (1u << 1) /* RDPMC does not fault on this platform */
#define HV_LEAF_PMU_SHARED (1u << 2)  /* the host has package-wide counters RDPMC can
					 reach (AMD DF/NB, LLC), so RDPMC always exits */

#define GUEST_COM1_PORT 0x3f8
#define GUEST_DEBUG_EXIT_PORT 0xf4
#define GUEST_BENCH_MARK_PORT 0xf8
/* A reset, as a PC takes it: the reset control register (also the FADT's RESET_REG), the 8042 */
#define GUEST_RESET_PORT 0xcf9
#define GUEST_RESET_VALUE 0x06 /* RST_CPU (bit 2) with SYS_RST: what the write needs is bit 2 */
#define GUEST_8042_COMMAND_PORT 0x64
#define GUEST_8042_PULSE_RESET 0xfe

/*
 * The flat GDT the entry selectors 0x08/0x10 name (3 descriptors); it and the
 * boot information lie where core/mb1_info.h places them, EBX at entry.
 */
#define GUEST_GDT_LIMIT 23

#endif
