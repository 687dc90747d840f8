#include "core/elf_loader.h"
#include "arch/string.h"

#define EI_CLASS 4
#define EI_DATA 5
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1

/* One program header, widened to 64 bits whatever the class. */
struct segment {
	u32 type;
	u64 offset, paddr, filesz, memsz;
};

struct elf_view {
	const u8 *image;
	u64 size;
	bool is64;
	u64 entry, phoff;
	u32 phentsize, phnum;
};

static u16 get16(const u8 *p) { return (u16)(p[0] | p[1] << 8); }
static u32 get32(const u8 *p) { return get16(p) | (u32)get16(p + 2) << 16; }
static u64 get64(const u8 *p) { return get32(p) | (u64)get32(p + 4) << 32; }

static const char *read_header(struct elf_view *v)
{
	const u8 *h = v->image;
	if (v->size < 52)
		return "image too small for an ELF header";
	if (h[0] != 0x7F || h[1] != 'E' || h[2] != 'L' || h[3] != 'F')
		return "bad ELF magic";
	if (h[EI_DATA] != ELFDATA2LSB)
		return "not a little-endian ELF";
	if (h[EI_CLASS] != ELFCLASS32 && h[EI_CLASS] != ELFCLASS64)
		return "unknown ELF class";
	v->is64 = h[EI_CLASS] == ELFCLASS64;
	if (v->is64 && v->size < 64)
		return "image too small for an ELF64 header";
	if (get16(h + 16) != ET_EXEC)
		return "not an executable (ET_EXEC) ELF";
	u16 machine = get16(h + 18);
	if (machine != (v->is64 ? EM_X86_64 : EM_386))
		return "ELF machine is not x86";
	v->entry = v->is64 ? get64(h + 24) : get32(h + 24);
	v->phoff = v->is64 ? get64(h + 32) : get32(h + 28);
	v->phentsize = get16(h + (v->is64 ? 54 : 42));
	v->phnum = get16(h + (v->is64 ? 56 : 44));
	if (v->phnum == 0)
		return "no program headers";
	if (v->phnum > ELF_MAX_SEGMENTS)
		return "too many program headers";
	if (v->phentsize < (v->is64 ? 56u : 32u))
		return "program header entry too small";
	if (v->phoff > v->size || (u64)v->phnum * v->phentsize > v->size - v->phoff)
		return "program headers run past the end of the image";
	return NULL;
}

static struct segment read_segment(const struct elf_view *v, u32 i)
{
	const u8 *p = v->image + v->phoff + (u64)i * v->phentsize;
	if (v->is64)
		return (struct segment){ get32(p), get64(p + 8), get64(p + 24), get64(p + 32),
					 get64(p + 40) };
	return (struct segment){ get32(p), get32(p + 4), get32(p + 12), get32(p + 16),
				 get32(p + 20) };
}

static const char *check_segment(const struct elf_view *v, const struct segment *s,
				 const struct guest_mem *mem)
{
	if (s->filesz > s->memsz)
		return "segment file size exceeds its memory size";
	if (s->offset > v->size || s->filesz > v->size - s->offset)
		return "segment data runs past the end of the image (truncated?)";
	if (!gmem_contains(mem, s->paddr, s->memsz))
		return "segment outside guest memory";
	return NULL;
}

bool elf_overlaps(const struct elf_load_result *r, u64 start, u64 end)
{
	for (u32 i = 0; i < r->nr_segments; i++)
		if (start < r->seg[i].end && r->seg[i].start < end)
			return true;
	return false;
}

const char *elf_load(const void *image, u64 size, const struct guest_mem *mem,
		     struct elf_load_result *out)
{
	struct elf_view v = { .image = image, .size = size };
	const char *err = read_header(&v);
	if (err)
		return err;

	struct segment segs[ELF_MAX_SEGMENTS];
	*out = (struct elf_load_result){ .entry = v.entry, .low = ~0ULL };
	u32 n = 0;
	for (u32 i = 0; i < v.phnum; i++) {
		struct segment s = read_segment(&v, i);
		if (s.type != PT_LOAD || s.memsz == 0)
			continue;
		if ((err = check_segment(&v, &s, mem)))
			return err;
		if (elf_overlaps(out, s.paddr, s.paddr + s.memsz))
			return "segments overlap";
		segs[n] = s;
		out->seg[n] = (struct gpa_range){ s.paddr, s.paddr + s.memsz };
		out->nr_segments = ++n;
	}
	if (n == 0)
		return "no loadable segments";

	bool entry_inside = false;
	for (u32 i = 0; i < n; i++) {
		const struct segment *s = &segs[i];
		if (v.entry >= s->paddr && v.entry < s->paddr + s->memsz)
			entry_inside = true;
		if (s->paddr < out->low)
			out->low = s->paddr;
		if (s->paddr + s->memsz > out->high)
			out->high = s->paddr + s->memsz;
	}
	if (!entry_inside)
		return "entry point is not inside a loadable segment";
	for (u32 i = 0; i < n; i++) {
		const struct segment *s = &segs[i];
		gmem_write(mem, s->paddr, v.image + s->offset, s->filesz);
		gmem_fill(mem, s->paddr + s->filesz, 0, s->memsz - s->filesz);
	}
	return NULL;
}
