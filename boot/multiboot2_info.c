#include "boot/multiboot2_info.h"

enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MMAP = 6,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};
#define MB2_MMAP_AVAILABLE 1

struct mb2_tag {
	u32 type, size;
};

struct mb2_tag_module {
	u32 type, size, mod_start, mod_end;
	char string[];
};

struct mb2_tag_mmap {
	u32 type, size, entry_size, entry_version;
};

struct mb2_mmap_entry {
	u64 addr, len;
	u32 type, reserved;
};

/* false when src (at most max bytes, NUL-terminated or not) does not fit in cap with its NUL */
static bool copy_string(char *dst, size_t cap, const char *src, size_t max)
{
	size_t i = 0;
	for (; i + 1 < cap && i < max && src[i]; i++)
		dst[i] = src[i];
	dst[i] = '\0';
	return i == max || !src[i];
}

static const char *parse_mmap(const struct mb2_tag_mmap *t, struct boot_info *bi)
{
	if (t->size < sizeof(*t) || t->entry_size < sizeof(struct mb2_mmap_entry))
		return "memory map tag too small";
	if (t->entry_size % 8) /* the spec's entries are 8-byte aligned; found by fuzzing */
		return "memory map entry size is not a multiple of 8";
	const u8 *p = (const u8 *)(t + 1), *end = (const u8 *)t + t->size;
	for (; p + t->entry_size <= end; p += t->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)p;
		if (e->type != MB2_MMAP_AVAILABLE || e->len == 0)
			continue;
		if (bi->nr_ranges == BOOT_MAX_RANGES)
			return "too many memory ranges";
		bi->ranges[bi->nr_ranges++] = (struct boot_range){ e->addr, e->len };
	}
	return NULL;
}

static const char *parse_tag(const struct mb2_tag *tag, struct boot_info *bi)
{
	switch (tag->type) {
	case MB2_TAG_CMDLINE:
		if (!copy_string(bi->cmdline, sizeof(bi->cmdline), (const char *)(tag + 1),
				 tag->size - sizeof(*tag)))
			return "command line does not fit in " STRINGIFY(BOOT_CMDLINE_MAX) " bytes";
		return NULL;
	case MB2_TAG_MODULE: {
		const struct mb2_tag_module *m = (const void *)tag;
		if (tag->size < sizeof(*m))
			return "module tag too small";
		if (m->mod_end < m->mod_start)
			return "module ends before it starts";
		if (bi->nr_modules == BOOT_MAX_MODULES)
			return "too many modules";
		struct boot_module *bm = &bi->modules[bi->nr_modules++];
		bm->start = m->mod_start;
		bm->size = m->mod_end - m->mod_start;
		if (!copy_string(bm->string, sizeof(bm->string), m->string, tag->size - sizeof(*m)))
			return "module string does not fit in " STRINGIFY(BOOT_MODULE_STRING_MAX) " bytes";
		return NULL;
	}
	case MB2_TAG_MMAP:
		return parse_mmap((const void *)tag, bi);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		bi->acpi_rsdp = (u64)(uintptr_t)(tag + 1);
		return NULL;
	default:
		return NULL;
	}
}

const char *mb2_parse(const struct mb2_info_header *hdr, u64 len, struct boot_info *bi)
{
	*bi = (struct boot_info){ .path = BOOT_MULTIBOOT2 };
	if (len < sizeof(*hdr) || hdr->total_size < sizeof(*hdr) || hdr->total_size > len)
		return "total size out of range";
	const u8 *p = (const u8 *)(hdr + 1), *end = (const u8 *)hdr + hdr->total_size;
	while (p + sizeof(struct mb2_tag) <= end) {
		const struct mb2_tag *tag = (const void *)p;
		if (tag->size < sizeof(*tag) || tag->size > (u64)(end - p))
			return "tag size out of range";
		if (tag->type == MB2_TAG_END)
			return NULL;
		const char *err = parse_tag(tag, bi);
		if (err)
			return err;
		p += ALIGN_UP(tag->size, 8);
	}
	return "no end tag";
}
