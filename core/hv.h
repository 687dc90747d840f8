/* The hypervisor's global state: configuration and memory. */
#ifndef CORE_HV_H
#define CORE_HV_H

#include "boot/boot_info.h"
#include "core/config.h"
#include "core/page_alloc.h"

struct hv {
	struct config config;
	struct page_allocator pages;
};

extern struct hv hv;

/* Runs every configured guest in turn; returns the hypervisor's exit status. */
int hv_run_guests(const struct boot_info *bi);

#endif
