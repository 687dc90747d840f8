/*
 * Runs the configured guests and sums up: one after another, except the
 * guests of a group (group=), which share the CPU (core/sched.h).
 */
#include "core/hv.h"
#include "arch/host_caps.h"
#include "arch/interrupts.h"
#include "arch/lapic.h"
#include "arch/tsc.h"
#include "arch/log.h"
#include "arch/platform_exit.h"
#include "arch/shared_state.h"
#include "arch/format.h"
#include "arch/string.h"
#include "core/exit.h"
#include "core/guest_image.h"
#include "core/guest_tsc.h"
#include "core/host_audit.h"
#include "core/msr_policy.h"
#include "core/msr_switch.h"
#include "core/pcpu.h"
#include "core/sched.h"
#include "core/vcpu_events.h"
#include "core/vcpu.h"
#include "pmu/pmi_host.h"
#include "pmu/pmu_platform.h"
#include "pmu/pmu_profiles.h"
#include "pmu/pmu_report.h"
#include "svm/svm.h"
#include "vmx/vmx.h"

const struct vcpu_ops *vcpu_ops;

void *hv_alloc(u64 bytes, u64 align)
{
	u64 pa = page_alloc(&hv.pages, bytes, align);
	if (!pa)
		return NULL;
	memset((void *)(uintptr_t)pa, 0, ALIGN_UP(bytes, PAGE_SIZE));
	return (void *)(uintptr_t)pa;
}

/* The module a guest= names: the first word of its module string. */
static const struct boot_module *find_module(const struct boot_info *bi, const char *name)
{
	size_t len = strlen(name);
	for (u32 i = 0; i < bi->nr_modules; i++) {
		const char *s = bi->modules[i].string;
		if (!strncmp(s, name, len) && (s[len] == '\0' || s[len] == ' '))
			return &bi->modules[i];
	}
	return NULL;
}

/* Exit counts, and the hypervisor's mean TSC ticks per exit, by reason. */
static void report_exits(const struct vcpu *v)
{
	char counts[512], cycles[512];
	exit_report_format(counts, sizeof(counts), &v->exits, EXIT_REPORT_COUNTS);
	exit_report_format(cycles, sizeof(cycles), &v->exits, EXIT_REPORT_MEAN_CYCLES);
	log_raw("hv: guest %s exits%s denied_io=%lu unbacked=%lu", v->vm->name, counts,
		v->exits.denied_io, v->exits.unbacked);
	if (v->events.nmis_injected) /* a second NMI while one waits merges with it, as on the CPU */
		log_raw("hv: guest %s nmis injected=%lu merged=%lu", v->vm->name,
			v->events.nmis_injected, v->events.nmis_merged);
	if (exit_stats_total(&v->exits))
		log_raw("hv: guest %s tsc_per_exit%s", v->vm->name, cycles);
}

static int load_guest(struct vm *vm, const struct boot_module *m,
		      const struct boot_module *initrd, struct guest_entry *entry)
{
	char err[160];
	if (vpmu_desc_derive(hv.pmu, vm->cfg, &vm->pmu, err, sizeof(err))) {
		pr_err("%s: %s", vm->name, err);
		return -1;
	}
	u64 size = vm->cfg->mem_mib << 20;
	vm->mem.host = hv_alloc(size, 2ULL << 20);
	if (!vm->mem.host) {
		pr_err("%s: no memory for %lu MiB of guest RAM", vm->name, vm->cfg->mem_mib);
		return -1;
	}
	vm->mem.size = size;
	vm->mem_hpa = (u64)(uintptr_t)vm->mem.host;
	if (guest_image_load(vm->name, &vm->mem, m, initrd, entry))
		return -1;
	vm->gdt_gpa = entry->gdt;
	return 0;
}

/* The end of one guest: its PMU context back, its reports, and its own trace. */
static void finish_guest(struct vcpu *v, bool own_trace)
{
	vpmu_put(&v->pmu);
	msr_switch_put();
	if (v->line_len) {
		v->line[v->line_len] = '\0';
		log_raw("[%s] %s", v->vm->name, v->line);
	}
	report_exits(v);
	pmu_report(v->vm->name, &v->pmu);
	if (v->switched_in)
		log_raw("hv: guest %s sched switched_in=%lu", v->vm->name, v->switched_in);
	if (own_trace && v->pmu.trace && v->pmu.trace->enabled)
		pmu_trace_dump(v->vm->name, v->pmu.trace, hv.pmu);
}

/* How the guests ended, for the lines a run closes with. */
struct run_summary {
	u32 ran, as_expected, on_purpose;
	char stopped[512], unexpected[512]; /* "name (reason), ..." */
	size_t stopped_len, unexpected_len;
};

static void list_guest(char *list, size_t size, size_t *len, const char *name, const char *what)
{
	if (*len < size)
		*len += (size_t)format(list + *len, size - *len, "%s%s (%s)", *len ? ", " : "",
				       name, what);
}

/* Says whether the guest ended as its expect= said, and counts it. */
static void judge_guest(struct run_summary *s, const struct guest_config *cfg, bool exited_itself,
			int status, const char *reason)
{
	const struct guest_expect *e = &cfg->expect;
	char want[48];
	if (e->stop_reason[0])
		format(want, sizeof(want), "stopped by pmuvisor: %s", e->stop_reason);
	else
		format(want, sizeof(want), "exit status %u", e->status);
	s->ran++;
	if (!guest_expect_met(e, exited_itself, status, reason)) {
		log_raw("hv: guest %s did NOT end as expected (expected %s)", cfg->name, want);
		char got[96];
		format(got, sizeof(got), "status=%d reason=%s, expected %s", status, reason, want);
		list_guest(s->unexpected, sizeof(s->unexpected), &s->unexpected_len, cfg->name, got);
		return;
	}
	s->as_expected++;
	log_raw("hv: guest %s ended as expected (%s)", cfg->name, want);
	if (e->stop_reason[0]) {
		s->on_purpose++;
		list_guest(s->stopped, sizeof(s->stopped), &s->stopped_len, cfg->name, reason);
	}
}

/* The closing lines: what ran, what was expected, and one verdict. */
static int summarize(const struct run_summary *s)
{
	u32 failed = s->ran - s->as_expected;
	log_raw("hv: summary: %u guests ran, %u ended as expected, %u did not", s->ran,
		s->as_expected, failed);
	if (s->on_purpose)
		log_raw("hv: summary: %u stopped on purpose, as their expect= said: %s", s->on_purpose,
			s->stopped);
	if (failed)
		log_raw("hv: summary: not as expected: %s", s->unexpected);
	if (pmu_cpu.stray_pmis)
		log_raw("hv: summary: PMIs on the mediated vector with no PMU loaded: %lu (counted, "
			"none injected)", pmu_cpu.stray_pmis);
	if (host_nmi_count())
		log_raw("hv: summary: host NMIs taken: %lu (counted, none injected)", host_nmi_count());
	if (host_stray_debug_traps())
		log_raw("hv: summary: #DB traps in the hypervisor: %lu (a guest's single-step the CPU "
			"carried across the VM exit; dropped)", host_stray_debug_traps());
	log_raw("hv: result: %u passed, %u failed", s->as_expected, failed);
	log_raw("hv: verdict: %s", failed ? "FAIL" : "PASS");
	return failed ? STATUS_GUEST_FAILED : STATUS_PASS;
}

/* A guest that could not start: reported and judged like any other end. */
static void guest_not_started(struct run_summary *s, const struct guest_config *cfg,
			      const char *reason)
{
	log_raw("hv: guest %s status=1 reason=%s", cfg->name, reason);
	judge_guest(s, cfg, false, 1, reason);
}

/*
 * A group's one trace holds this many records per guest: every switch adds
 * a put and a load (up to about 100 records with 8 counters and 4 fixed),
 * and the guests share it.
 */
#define GROUP_TRACE_PER_GUEST (4 * PMU_TRACE_MAX)

/* What the guests that share the CPU in one run have in common. */
struct group_run {
	struct run_summary *summary;
	struct host_audit audit; /* the host's MSRs before the group started */
	struct pmu_trace *trace; /* one trace of the CPU's PMU for every member, if one asked */
	char names[160];         /* "a+b+c": the group's guests, for its lines */
	size_t names_len;
};

/* A PMU trace with room for cap records (NULL when out of memory); enabled = on. */
static struct pmu_trace *trace_alloc(u32 cap, bool on)
{
	struct pmu_trace *t = hv_alloc(sizeof(*t), 64);
	struct pmu_trace_record *rec = hv_alloc(cap * sizeof(*rec), 64);
	if (!t || !rec)
		return NULL;
	*t = (struct pmu_trace){ .enabled = on, .cap = cap, .rec = rec };
	return t;
}

/* A guest's vm, vCPU and FPU image (and its own trace) live in its pages, released when it ends. */
static struct vcpu *start_guest(u32 id, const struct guest_config *cfg, const struct boot_module *m,
				const struct boot_module *initrd, struct group_run *g)
{
	struct vm *vm = hv_alloc(sizeof(*vm), 64);
	struct vcpu *v = hv_alloc(sizeof(*v), 64);
	void *fpu = hv_alloc(shared_state_fpu_bytes(), 64);
	struct pmu_trace *trace = g->trace ? g->trace
					   : trace_alloc(PMU_TRACE_MAX, cfg->pmu_trace == ON);
	if (!vm || !v || !fpu || !trace) {
		pr_err("guest %s: no memory for its vCPU", cfg->name);
		guest_not_started(g->summary, cfg, "setup failed");
		return NULL;
	}
	*vm = (struct vm){ .name = cfg->name, .cfg = cfg, .id = id };
	*v = (struct vcpu){ .vm = vm, .shared.fpu = fpu };
	shared_state_reset(&v->shared); /* nothing another guest left in the FPU, DR0-3, DR6, CR2 */
	vlapic_reset(&v->lapic, tsc_hz / 1000);
	msr_policy_vcpu_reset(v);
	pr_info("guest %s: starting (%s)", cfg->name, m->string);
	struct guest_entry entry = { 0 };
	bool ok = !load_guest(vm, m, initrd, &entry);
	vpmu_init(&v->pmu, &vm->pmu, trace);
	if (!ok || vcpu_ops->map_guest(vm) || vcpu_ops->vcpu_create(v, entry.rip, entry.eax, entry.ebx))
		vcpu_stop(v, 1, "setup failed");
	else
		guest_tsc_reset(v, rdtsc());
	v->regs.rsi = entry.esi;
	/*
	 * The watchdog: a guest past its budget (timeout=, ms from its start,
	 * whoever had the CPU meanwhile) is stopped. It is checked on every exit
	 * and at every scheduling decision, and the host timer makes even a
	 * guest that never exits come back to be checked.
	 */
	v->watchdog_at = rdtsc() + cfg->timeout_ms * (tsc_hz / 1000);
	return v;
}

/* A stopped guest leaves: reports, the host audit, its verdict, its slot and its pages. */
static void end_guest(struct sched *s, struct vcpu *v, struct group_run *g)
{
	s->stats.tsc += v->exits.cycles[EXIT_GUEST_SWITCH];
	finish_guest(v, !g->trace);
	vcpu_ops->vcpu_release(v);
	u32 changed = host_audit_check(&g->audit, v->vm->name);
	if (changed)
		vcpu_stop(v, 1, "changed host MSRs"); /* whatever the guest did, this fails it */
	else
		log_raw("hv: guest %s left the host's %u audited MSRs unchanged", v->vm->name,
			g->audit.count);
	log_raw("hv: guest %s status=%d reason=%s", v->vm->name, v->status, v->stop_reason);
	judge_guest(g->summary, v->vm->cfg, v->exited_itself, v->status, v->stop_reason);
	struct page_mark release;
	if (sched_retire(s, v, &release))
		page_alloc_release(&hv.pages, release);
}

static void watchdog_stop(struct vcpu *v)
{
	pr_err("%s: still running after its %lu ms budget (timeout=): stopped", v->vm->name,
	       v->vm->cfg->timeout_ms);
	vcpu_stop(v, 1, "watchdog");
}

/* Stops the guests past their budget and ends every stopped one, running or not. */
static void reap(struct sched *s, struct group_run *g, u64 now)
{
	for (u32 i = 0; i < s->nr; i++) {
		struct vcpu *v = s->slot[i].v;
		if (s->slot[i].ended)
			continue;
		if (!v->stopped && now >= v->watchdog_at)
			watchdog_stop(v);
		if (v->stopped)
			end_guest(s, v, g);
	}
}

static u64 pmu_accesses(const struct vcpu *v) { return pmu_access_total(&v->pmu.stats); }

/*
 * The CPU moves to next: the leaving guest's shared registers are saved and
 * its PMU context put, the arriving one's loaded (pmu/vpmu_switch.c, in the
 * order of docs/design.md, 'The PMU contract'). Between two live guests this
 * is a guest switch: counted, with the PMU accesses of the put and the load
 * and the time from the leaving guest's exit to the arriving one's entry.
 */
static void switch_to(struct sched *s, struct vcpu *next, u64 now)
{
	struct vcpu *prev = s->current;
	vcpu_ops->vcpu_load(next);
	u64 before = pmu_accesses(next);
	/* Its time off the CPU is no exit's cost; a switch's cost runs from prev's exit. */
	next->exits.exited_at = 0;
	if (prev) {
		struct exit_stats *x = &prev->exits;
		shared_state_save(&prev->shared);
		if (x->exited_at) { /* its last exit's cost ends here */
			x->cycles[x->last_reason] += now - x->exited_at;
			next->exits.exited_at = x->exited_at;
			next->exits.last_reason = EXIT_GUEST_SWITCH;
			x->exited_at = 0;
		}
		before += pmu_accesses(prev);
	}
	shared_state_load(&next->shared);
	vpmu_load(&next->pmu); /* puts prev's PMU context, loads next's, by diff */
	s->current = next;
	if (!prev)
		return;
	s->stats.switches++;
	s->stats.pmu_accesses += pmu_accesses(next) + pmu_accesses(prev) - before;
	next->switched_in++;
}

/* Every live guest is halted with nothing due: the CPU sleeps until the first one's timer. */
static void idle(struct sched *s, u64 now)
{
	s->slice_end = SCHED_ALONE;
	vcpu_halt_wait(sched_next_wakeup(s), now);
}

/* A scheduling decision: who runs next, for a fresh slice; NULL when no one can now. */
static struct vcpu *schedule(struct sched *s, struct group_run *g, u64 now)
{
	struct vcpu *cur = s->current;
	if (cur && cur->halted && !cur->stopped) {
		/* while its state is loaded: woken by what is due, or stopped if nothing can */
		vcpu_deliver_events(cur, now);
		if (cur->halted)
			vcpu_halt_can_wake(cur);
	}
	reap(s, g, now);
	if (!sched_live(s))
		return NULL;
	struct vcpu *next = sched_pick(s, now);
	if (!next) {
		idle(s, now);
		return NULL;
	}
	if (next != s->current)
		switch_to(s, next, now);
	s->slice_end = sched_slice_end(s, now);
	this_pcpu()->host_timer_fires = 0; /* the entry arms the timer for this slice */
	return next;
}

/*
 * v runs until its slice ends, it halts or it stops, or its watchdog budget
 * is spent. The exit hot path is the inner loop: the same vCPU re-enters
 * while vcpu_needs_attention() finds nothing to do, one test of the event
 * flags and one of the host timer, which fires no later than the guest's
 * timer, the slice's end and the watchdog. What the CPU holds for v (PMU
 * context, lazily switched MSRs) changes only when another guest comes or
 * one ends, between slices. It enters at least once, however long the
 * switch to it took (a loaded host can deschedule an emulator for longer
 * than a slice).
 */
static void run_slice(struct vcpu *v, u64 slice_end)
{
	u64 until = slice_end < v->watchdog_at ? slice_end : v->watchdog_at;
	u64 now = rdtsc();
	vpmu_load(&v->pmu);
	msr_switch_load(v);
	for (;;) {
		struct exit_info e;
		vcpu_deliver_events(v, now);
		if (v->halted)
			return; /* the next decision lets another guest run meanwhile */
		vcpu_arm_host_timer(v, now);
		do {
			vcpu_ops->run(v, &e);
			exit_dispatch(v, &e);
			now = rdtsc();
		} while (!vcpu_needs_attention(v, now));
		if (v->stopped || now >= until)
			return; /* the next decision ends the guest, its slice, or its budget */
	}
}

/* The CPU runs the group's vCPUs until every one has ended. */
static void run_cpu(struct sched *s, struct group_run *g)
{
	while (sched_live(s)) {
		struct vcpu *v = schedule(s, g, rdtsc());
		if (v)
			run_slice(v, s->slice_end);
	}
}

/* The first guest of guest i's group (group= key): the group runs when the suite reaches it. */
static u32 group_leader(const struct config *c, u32 i)
{
	for (u32 j = 0; j < i; j++)
		if (c->guests[j].group == c->guests[i].group)
			return j;
	return i;
}

static u32 group_members(const struct config *c, u64 group)
{
	u32 n = 0;
	for (u32 i = 0; i < c->nr_guests; i++)
		n += c->guests[i].group == group;
	return n;
}

static bool group_traced(const struct config *c, u64 group)
{
	for (u32 i = 0; i < c->nr_guests; i++)
		if (c->guests[i].group == group && c->guests[i].pmu_trace == ON)
			return true;
	return false;
}

/* What the guest switches of a group cost, for make bench. */
static void report_group(u64 group, const struct group_run *g, const struct sched *s)
{
	const struct sched_switch_stats *st = &s->stats;
	u64 n = st->switches ? st->switches : 1;
	log_raw("hv: group %lu %s switches=%lu switch_pmu_accesses=%lu switch_tsc=%lu "
		"per_switch_pmu_accesses=%lu per_switch_tsc=%lu full_save_restore=%u", group,
		g->names, st->switches, st->pmu_accesses, st->tsc, st->pmu_accesses / n,
		st->tsc / n, vpmu_full_switch_accesses());
}

/*
 * Guest first and, when it has a group= key, every later guest of its group:
 * started together, then sharing the CPU until the last has ended.
 */
static void run_group(const struct boot_info *bi, u32 first, struct run_summary *summary)
{
	const struct config *c = &hv.config;
	struct sched *s = &this_pcpu()->sched;
	u64 group = c->guests[first].group;
	struct page_mark mark = page_alloc_mark(&hv.pages);
	struct group_run g = { .summary = summary };
	host_audit_take(&g.audit);
	if (group && group_traced(c, group)) /* room for every switch of every member */
		g.trace = trace_alloc(GROUP_TRACE_PER_GUEST * group_members(c, group), true);
	for (u32 i = first; i < c->nr_guests; i++) {
		const struct guest_config *cfg = &c->guests[i];
		if (i != first && (!group || cfg->group != group))
			continue;
		const struct boot_module *m = find_module(bi, cfg->name);
		if (!m) {
			pr_err("guest %s: no module named '%s' was loaded", cfg->name, cfg->name);
			guest_not_started(summary, cfg, "no such module");
			continue;
		}
		const struct boot_module *initrd = cfg->initrd[0] ? find_module(bi, cfg->initrd) : NULL;
		if (cfg->initrd[0] && !initrd) {
			pr_err("guest %s: no module named '%s' for its initrd=", cfg->name, cfg->initrd);
			guest_not_started(summary, cfg, "no such initrd module");
			continue;
		}
		if (s->nr == SCHED_MAX_VCPUS) {
			pr_err("guest %s: group %lu already has %u guests, as many as share one CPU",
			       cfg->name, group, SCHED_MAX_VCPUS);
			guest_not_started(summary, cfg, "group full");
			continue;
		}
		struct page_mark before = page_alloc_mark(&hv.pages);
		struct vcpu *v = start_guest(i + 1, cfg, m, initrd, &g);
		if (v)
			sched_add(s, v, before);
		if (g.names_len < sizeof(g.names))
			g.names_len += (size_t)format(g.names + g.names_len,
						      sizeof(g.names) - g.names_len, "%s%s",
						      g.names_len ? "+" : "", cfg->name);
	}
	if (group)
		log_raw("hv: group %lu %s share the CPU in slices of %lu us", group, g.names,
			c->slice_us);
	s->stats = (struct sched_switch_stats){ 0 };
	run_cpu(s, &g);
	if (group)
		report_group(group, &g, s);
	if (g.trace)
		pmu_trace_dump(g.names, g.trace, hv.pmu);
	page_alloc_release(&hv.pages, mark);
}

static int select_backend(void)
{
	if (host_caps.svm)
		vcpu_ops = &svm_ops;
	else if (host_caps.vmx)
		vcpu_ops = &vmx_ops;
	else {
		pr_err("this CPU offers neither AMD-V (SVM) nor VT-x (VMX): pmuvisor cannot run guests");
		return -1;
	}
	pr_info("backend: %s", vcpu_ops->name);
	return vcpu_ops->probe() || vcpu_ops->enable() ? -1 : 0;
}

/* The PMU side of the hypervisor: which host PMU, an idle known state, PMI handlers. */
static void init_pmu(void)
{
	hv.pmu = pmu_profile_caps(hv.config.pmu_profile, &pmu_caps);
	if (hv.pmu != &pmu_caps)
		pr_info("pmu: assuming a host PMU of kind %s v%u with %u counters (pmu_profile=), "
			"not the probed one", hv.pmu->kind == PMU_AMD ? "amd" : "intel-arch",
			hv.pmu->version, hv.pmu->nr_gp);
	if (hv.pmu->nr_gp > VPMU_MAX_GP)
		pr_err("pmu: the host PMU has %u general counters, more than the %u pmuvisor "
		       "switches: every guest gets vpmu=off, and vpmu=emulated/mediated are refused",
		       hv.pmu->nr_gp, VPMU_MAX_GP);
	pmu_cpu_init(hv.pmu);
	pmi_host_init();
}

/* Without guest= keys, every module runs once with the default settings. */
static void default_guests(const struct boot_info *bi, struct config *c)
{
	for (u32 i = 0; i < bi->nr_modules && c->nr_guests < CONFIG_MAX_GUESTS; i++) {
		struct guest_config *g = &c->guests[c->nr_guests++];
		*g = c->defaults;
		const char *s = bi->modules[i].string;
		size_t n = 0;
		while (s[n] && s[n] != ' ' && n + 1 < sizeof(g->name))
			n++;
		memcpy(g->name, s, n);
		g->name[n] = '\0';
	}
}

int hv_run_guests(const struct boot_info *bi)
{
	struct config *c = &hv.config;
	if (c->nr_guests == 0)
		default_guests(bi, c);
	if (c->nr_guests == 0) {
		pr_info("no guests to run (no modules and no guest=NAME)");
		return summarize(&(struct run_summary){ 0 });
	}
	if (select_backend())
		return STATUS_BAD_INPUT;
	init_pmu();
	vcpu_events_init();

	sched_init(&this_pcpu()->sched, c->slice_us * (tsc_hz / 1000000));
	static struct run_summary summary;
	summary = (struct run_summary){ 0 };
	for (u32 i = 0; i < c->nr_guests; i++)
		if (!c->guests[i].group || group_leader(c, i) == i)
			run_group(bi, i, &summary);
	lapic_timer_stop();
	return summarize(&summary);
}
