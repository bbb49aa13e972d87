/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * wss: sample a running VM's working set with OKVM_AGE_BITMAP
 * (include/uapi/linux/okvm.h) and show it over time.
 *
 * Runs inside the VMM's process (an okvm VM fd works only for the mm that
 * created the VM): a thread harvests and clears the accessed bits of one
 * memslot every interval and keeps, per sample, the number of pages
 * accessed and their density across the slot.
 */
#ifndef OKVM_WSS_H
#define OKVM_WSS_H

#include <stdint.h>
#include <stdio.h>

struct wss;

/* Start sampling slot @slot (@npages pages) of VM fd @vm; NULL on error. */
struct wss *wss_start(int vm, unsigned int slot, uint64_t npages,
		      unsigned int interval_ms);
/* Stop the sampler; the samples stay for wss_print()/wss_png(). */
void wss_stop(struct wss *w);
/* A text chart: one line per sample, the size and where in the slot. */
void wss_print(const struct wss *w, FILE *f);
/* A grey-scale PNG: x = position in the slot, y = time; 0 or -errno. */
int wss_png(const struct wss *w, const char *path);
void wss_free(struct wss *w);

#endif
