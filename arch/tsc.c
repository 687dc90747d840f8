#include "arch/tsc.h"
#include "arch/cpu.h"

#define PIT_HZ 1193182ULL
#define PIT_GATE_PORT 0x61
#define PIT_CMD_PORT 0x43
#define PIT_CH2_PORT 0x42
#define CALIBRATE_MS 10

u64 tsc_hz;

/* Counts TSC ticks while PIT channel 2 counts down CALIBRATE_MS in one-shot mode. */
static u64 pit_calibrate(void)
{
	u16 count = (u16)(PIT_HZ * CALIBRATE_MS / 1000);
	u8 gate = inb(PIT_GATE_PORT);
	outb(PIT_GATE_PORT, (u8)((gate & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(PIT_CMD_PORT, 0xB0);                          /* ch2, lo/hi, mode 0 */
	outb(PIT_CH2_PORT, (u8)count);
	outb(PIT_CH2_PORT, (u8)(count >> 8));
	u64 start = rdtsc();
	/* Bounded: a machine without a PIT must not hang here. */
	for (u64 spins = 0; !(inb(PIT_GATE_PORT) & 0x20) && spins < 100000000ULL; spins++)
		cpu_relax();
	u64 ticks = rdtsc() - start;
	outb(PIT_GATE_PORT, gate);
	return ticks * (1000 / CALIBRATE_MS);
}

struct tsc_info tsc_calibrate(void)
{
	struct tsc_info info = { 0, TSC_FROM_PIT };
	if (cpuid(0, 0).eax >= 0x15) {
		struct cpuid_regs r = cpuid(0x15, 0);
		if (r.eax && r.ebx && r.ecx) {
			info.hz = (u64)r.ecx * r.ebx / r.eax;
			info.source = TSC_FROM_CPUID15;
		}
	}
	if (!info.hz)
		info.hz = pit_calibrate();
	tsc_hz = info.hz;
	return info;
}
