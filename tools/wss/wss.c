// SPDX-License-Identifier: GPL-2.0-only
/*
 * wss: working-set sampling with OKVM_AGE_BITMAP (see wss.h).
 *
 * Each sample is one ioctl: the pages of the slot the guest accessed
 * since the previous sample, whose accessed state the same call clears.
 * Kept per sample: the time, the count and the density in WSS_COLS equal
 * parts of the slot. The PNG writer is self-contained (stored deflate
 * blocks, no zlib): a few hundred samples make a few hundred KiB.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/okvm.h>

#include "wss.h"

#define WSS_COLS	256	/* density columns per sample (PNG width) */
#define WSS_MAX		4096	/* samples kept */

struct wss_sample {
	double t_ms;
	uint64_t pages;
	uint8_t col[WSS_COLS];	/* 0..255: share of the column accessed */
};

struct wss {
	int vm;
	unsigned int slot, interval_ms;
	uint64_t npages;
	uint64_t *bitmap;
	volatile int stop;
	int err;
	pthread_t thread;
	struct timespec t0;
	unsigned int n;
	struct wss_sample s[WSS_MAX];
};

static double since_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

static int sample(struct wss *w)
{
	struct okvm_age_bitmap a = {
		.size = sizeof(a), .slot = w->slot, .num_pages = w->npages,
		.bitmap = (uint64_t)(unsigned long)w->bitmap,
	};
	struct wss_sample *s = &w->s[w->n];
	uint64_t per_col = (w->npages + WSS_COLS - 1) / WSS_COLS, i;
	uint64_t cnt[WSS_COLS] = { 0 };

	if (ioctl(w->vm, OKVM_AGE_BITMAP, &a))
		return -errno;
	s->t_ms = since_ms(&w->t0);
	s->pages = 0;
	for (i = 0; i < w->npages; i++) {
		if (!((w->bitmap[i / 64] >> (i % 64)) & 1))
			continue;
		s->pages++;
		cnt[i / per_col]++;
	}
	for (i = 0; i < WSS_COLS; i++)
		s->col[i] = cnt[i] * 255 / per_col;
	w->n++;
	return 0;
}

static void *sampler(void *arg)
{
	struct wss *w = arg;
	struct timespec d = {
		.tv_sec = w->interval_ms / 1000,
		.tv_nsec = (w->interval_ms % 1000) * 1000000L,
	};

	while (!w->stop && w->n < WSS_MAX) {
		nanosleep(&d, NULL);
		w->err = sample(w);
		if (w->err)
			break;
	}
	return NULL;
}

struct wss *wss_start(int vm, unsigned int slot, uint64_t npages,
		      unsigned int interval_ms)
{
	struct wss *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->vm = vm;
	w->slot = slot;
	w->npages = npages;
	w->interval_ms = interval_ms ? interval_ms : 1;
	w->bitmap = calloc((npages + 63) / 64, 8);
	clock_gettime(CLOCK_MONOTONIC, &w->t0);
	/* A first harvest, not kept: start from a clean slate. */
	if (!w->bitmap || sample(w))
		goto err;
	w->n = 0;
	if (pthread_create(&w->thread, NULL, sampler, w))
		goto err;
	return w;
err:
	wss_free(w);
	return NULL;
}

void wss_stop(struct wss *w)
{
	w->stop = 1;
	pthread_join(w->thread, NULL);
}

void wss_free(struct wss *w)
{
	if (w)
		free(w->bitmap);
	free(w);
}

void wss_print(const struct wss *w, FILE *f)
{
	static const char shade[] = " .:-=+*#%@";
	double mib = w->npages / 256.0;
	unsigned int i, c, k;

	fprintf(f, "wss: slot %u, %.1f MiB, a sample every %u ms (OKVM_AGE_BITMAP)%s\n",
		w->slot, mib, w->interval_ms, w->err ? ", sampling failed" : "");
	fprintf(f, "%8s %9s  %-32s  %s\n", "t (ms)", "WSS (MiB)", "size",
		"where in the slot (64 columns, ' ' idle .. '@' all accessed)");
	for (i = 0; i < w->n; i++) {
		const struct wss_sample *s = &w->s[i];
		char bar[33], heat[65];
		unsigned int len = s->pages * 32 / (w->npages ? w->npages : 1);

		memset(bar, '#', len);
		memset(bar + len, ' ', 32 - len);
		bar[32] = 0;
		for (c = 0; c < 64; c++) {
			unsigned int sum = 0;

			for (k = 0; k < WSS_COLS / 64; k++)
				sum += s->col[c * (WSS_COLS / 64) + k];
			sum /= WSS_COLS / 64;
			heat[c] = shade[(sum * 9 + 254) / 255];
		}
		heat[64] = 0;
		fprintf(f, "%8.0f %9.2f  %s |%s|\n", s->t_ms, s->pages / 256.0,
			bar, heat);
	}
}

/* ---- a minimal PNG writer ---- */

static uint32_t crc_table[256];

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	size_t i;
	int k;

	if (!crc_table[1])
		for (i = 0; i < 256; i++) {
			uint32_t c = i;

			for (k = 0; k < 8; k++)
				c = c >> 1 ^ (0xedb88320 & -(c & 1));
			crc_table[i] = c;
		}
	for (i = 0; i < n; i++)
		crc = crc_table[(crc ^ p[i]) & 0xff] ^ crc >> 8;
	return crc;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static int chunk(FILE *f, const char *type, const uint8_t *data, size_t n)
{
	uint8_t hdr[8], tail[4];
	uint32_t crc;

	put32(hdr, n);
	memcpy(hdr + 4, type, 4);
	crc = crc32_update(~0u, hdr + 4, 4);
	crc = ~crc32_update(crc, data, n);
	put32(tail, crc);
	return fwrite(hdr, 8, 1, f) == 1 && (!n || fwrite(data, n, 1, f) == 1) &&
	       fwrite(tail, 4, 1, f) == 1 ? 0 : -EIO;
}

int wss_png(const struct wss *w, const char *path)
{
	const unsigned int rowh = 4, width = WSS_COLS, height = w->n * rowh;
	size_t raw_len = (size_t)height * (width + 1), zlen, i, off;
	uint8_t ihdr[13] = { 0 }, *raw, *z, *p;
	uint32_t a = 1, b = 0;
	FILE *f;
	int r;

	if (!height)
		return -ENODATA;
	raw = malloc(raw_len);
	/* zlib header, stored blocks of at most 65535 bytes, Adler-32 */
	zlen = 2 + raw_len + 5 * (raw_len / 65535 + 1) + 4;
	z = malloc(zlen);
	if (!raw || !z) {
		free(raw);
		free(z);
		return -ENOMEM;
	}
	for (i = 0; i < height; i++) {
		raw[i * (width + 1)] = 0;	/* filter: none */
		memcpy(raw + i * (width + 1) + 1, w->s[i / rowh].col, width);
	}
	p = z;
	*p++ = 0x78;
	*p++ = 0x01;
	for (off = 0; off < raw_len || off == 0;) {
		size_t n = raw_len - off > 65535 ? 65535 : raw_len - off;

		*p++ = off + n == raw_len;
		*p++ = n & 0xff;
		*p++ = n >> 8;
		*p++ = ~n & 0xff;
		*p++ = (~n >> 8) & 0xff;
		memcpy(p, raw + off, n);
		p += n;
		off += n;
		if (!n)
			break;
	}
	for (i = 0; i < raw_len; i++) {
		a = (a + raw[i]) % 65521;
		b = (b + a) % 65521;
	}
	put32(p, b << 16 | a);
	p += 4;

	put32(ihdr, width);
	put32(ihdr + 4, height);
	ihdr[8] = 8;	/* bit depth; colour type 0: grey */
	f = fopen(path, "wb");
	r = f ? 0 : -errno;
	if (!r && fwrite("\x89PNG\r\n\x1a\n", 8, 1, f) != 1)
		r = -EIO;
	if (!r)
		r = chunk(f, "IHDR", ihdr, sizeof(ihdr));
	if (!r)
		r = chunk(f, "IDAT", z, p - z);
	if (!r)
		r = chunk(f, "IEND", NULL, 0);
	if (f && fclose(f) && !r)
		r = -EIO;
	free(raw);
	free(z);
	return r;
}
