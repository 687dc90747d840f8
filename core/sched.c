#include "core/sched.h"
#include "core/vcpu.h"

void sched_init(struct sched *s, u64 slice_tsc)
{
	*s = (struct sched){ .slice_tsc = slice_tsc, .slice_end = SCHED_ALONE };
}

int sched_add(struct sched *s, struct vcpu *v, struct page_mark mark)
{
	if (s->nr == SCHED_MAX_VCPUS)
		return -1;
	s->slot[s->nr++] = (struct sched_slot){ .v = v, .mark = mark };
	s->live++;
	return 0;
}

bool sched_wants_cpu(const struct vcpu *v, u64 now)
{
	if (v->stopped)
		return false;
	if (!v->halted)
		return true;
	u64 due = v->lapic.timer_deadline;
	return (due && now >= due) || v->pmu.pmi_pending || vlapic_pending_vector(&v->lapic) >= 0 ||
	       v->events.pending || v->lapic.nmi_pending; /* an NMI ends HLT whatever IF says */
}

static u32 index_of(const struct sched *s, const struct vcpu *v)
{
	for (u32 i = 0; i < s->nr; i++)
		if (s->slot[i].v == v)
			return i;
	return s->nr;
}

struct vcpu *sched_pick(const struct sched *s, u64 now)
{
	if (!s->nr)
		return NULL;
	u32 cur = index_of(s, s->current);
	u32 start = cur < s->nr ? cur + 1 : 0;
	for (u32 k = 0; k < s->nr; k++) {
		const struct sched_slot *slot = &s->slot[(start + k) % s->nr];
		if (!slot->ended && sched_wants_cpu(slot->v, now))
			return slot->v;
	}
	return NULL;
}

u64 sched_slice_end(const struct sched *s, u64 now)
{
	return sched_live(s) > 1 ? now + s->slice_tsc : SCHED_ALONE;
}

struct vcpu *sched_next_wakeup(const struct sched *s)
{
	struct vcpu *first = NULL;
	for (u32 i = 0; i < s->nr; i++) {
		struct vcpu *v = s->slot[i].v;
		u64 due = v->lapic.timer_deadline;
		if (s->slot[i].ended)
			continue;
		if (!first || (due && (!first->lapic.timer_deadline ||
				       due < first->lapic.timer_deadline)))
			first = v;
	}
	return first;
}

bool sched_retire(struct sched *s, struct vcpu *v, struct page_mark *release)
{
	u32 i = index_of(s, v);
	if (i == s->nr || s->slot[i].ended)
		return false;
	s->slot[i].ended = true;
	s->live--;
	if (s->current == v)
		s->current = NULL;
	bool freed = false;
	while (s->nr && s->slot[s->nr - 1].ended) {
		*release = s->slot[--s->nr].mark;
		freed = true;
	}
	return freed;
}
