// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest-running helpers for okvm's selftests: see guest.h. Descriptor and
 * page-table layouts are the architectural ones (AMD APM vol. 2).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest.h"

/*
 * Say which step of a setup failed (on stderr, which the harness shows):
 * a test only sees the errno.
 */
static long guest_err(const char *what, long r)
{
	if (r < 0)
		fprintf(stderr, "# guest: %s: %s\n", what, strerror(-r));
	return r;
}

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)

#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define CR4_OSFXSR	(1ULL << 9)
#define CR4_OSXMMEXCPT	(1ULL << 10)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

static void build_page_tables(struct guest *g)
{
	uint64_t *pml4 = guest_ptr(g, G_PML4);
	uint64_t *pdpt = guest_ptr(g, G_PDPT);
	uint64_t *pd = guest_ptr(g, G_PD);
	int i;

	pml4[0] = G_PDPT | PTE_P | PTE_RW;
	for (i = 0; i < 4; i++)
		pdpt[i] = (G_PD + i * 0x1000) | PTE_P | PTE_RW;
	/* 4 consecutive PDs: 2048 entries of 2 MiB = 4 GiB. */
	for (i = 0; i < 2048; i++)
		pd[i] = (uint64_t)i << 21 | PTE_P | PTE_RW | PTE_PS;
}

static void build_gdt(struct guest *g)
{
	uint64_t *gdt = guest_ptr(g, G_GDT);

	gdt[0] = 0;
	/* G, L, P, DPL0, S, type 0xb (execute/read, accessed), limit 0xfffff */
	gdt[SEL_CODE64 >> 3] = 0x00af9b000000ffffULL;
	/* G, D/B, P, DPL0, S, type 3 (read/write, accessed) */
	gdt[SEL_DATA >> 3] = 0x00cf93000000ffffULL;
	/* G, D/B, P, DPL0, S, type 0xb */
	gdt[SEL_CODE32 >> 3] = 0x00cf9b000000ffffULL;
	/* 64-bit TSS (16 bytes), busy, P, base 0, limit 0x67 */
	gdt[SEL_TSS >> 3] = 0x00008b0000000067ULL;
	gdt[(SEL_TSS >> 3) + 1] = 0;
}

int guest_create(struct guest *g, size_t mem_size)
{
	return guest_create_type(g, mem_size, 0);
}

int guest_create_type(struct guest *g, size_t mem_size, unsigned long type)
{
	int nent = 256;
	long r;

	memset(g, 0, sizeof(*g));
	g->vm = -1;
	g->kvm = okvm_open_dev();
	if (g->kvm < 0)
		return guest_err(okvm_dev_path(), -errno);
	r = okvm_ioctl(g->kvm, KVM_CREATE_VM, type);
	if (r < 0)
		return guest_err("KVM_CREATE_VM", r);
	g->vm = r;
	g->run_size = okvm_ioctl(g->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (g->run_size < 0)
		return g->run_size;
	g->cpuid = calloc(1, sizeof(*g->cpuid) + nent * sizeof(g->cpuid->entries[0]));
	if (!g->cpuid)
		return -ENOMEM;
	g->cpuid->nent = nent;
	r = okvm_ioctl(g->kvm, KVM_GET_SUPPORTED_CPUID, g->cpuid);
	if (r < 0)
		return guest_err("KVM_GET_SUPPORTED_CPUID", r);
	g->mem_size = mem_size;
	g->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (g->mem == MAP_FAILED) {
		g->mem = NULL;
		return -errno;
	}
	build_page_tables(g);
	build_gdt(g);
	return guest_err("memslot 0", guest_set_slot(g, 0, 0, 0, mem_size, g->mem));
}

void guest_destroy(struct guest *g)
{
	int i;

	for (i = 0; i < g->nr_vcpus; i++) {
		munmap(g->vcpu[i].run, g->run_size);
		close(g->vcpu[i].fd);
	}
	if (g->vm >= 0)
		close(g->vm);
	if (g->kvm >= 0)
		close(g->kvm);
	if (g->mem)
		munmap(g->mem, g->mem_size);
	free(g->cpuid);
	memset(g, 0, sizeof(*g));
	g->kvm = g->vm = -1;
}

int guest_add_vcpu(struct guest *g)
{
	struct guest_vcpu *v = &g->vcpu[g->nr_vcpus];
	long r;

	if (g->nr_vcpus == GUEST_MAX_VCPUS)
		return -ENOSPC;
	r = okvm_ioctl(g->vm, KVM_CREATE_VCPU, g->nr_vcpus);
	if (r < 0)
		return guest_err("KVM_CREATE_VCPU", r);
	v->fd = r;
	v->run = mmap(NULL, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		r = -errno;
		close(v->fd);
		return r;
	}
	/* KVM refuses EFER.LME in KVM_SET_SREGS unless the guest's CPUID has LM. */
	r = guest_err("KVM_SET_CPUID2", okvm_ioctl(v->fd, KVM_SET_CPUID2, g->cpuid));
	if (r < 0) {
		munmap(v->run, g->run_size);
		close(v->fd);
		return r;
	}
	return g->nr_vcpus++;
}

void guest_load(struct guest *g, uint64_t gpa, const uint8_t *start, const uint8_t *end)
{
	memcpy(guest_ptr(g, gpa), start, end - start);
}

static void flat_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int l, int db)
{
	*s = (struct kvm_segment) {
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = db, .s = 1, .l = l, .g = 1,
	};
}

int guest_set_mode(struct guest *g, int vcpu, enum guest_mode mode, uint64_t rip)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	long r;

	r = guest_get_sregs(g, vcpu, &sregs);
	if (r)
		return guest_err("KVM_GET_SREGS", r);
	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rflags = 2;	/* bit 1 is reserved and always 1 */

	switch (mode) {
	case GUEST_REAL:
		/*
		 * The reset state, with CS:IP pointing at rip (below 1 MiB):
		 * G_CODE is 1000:0000. DS, ES, SS stay 0.
		 */
		sregs.cs.selector = (rip >> 4) & 0xf000;
		sregs.cs.base = sregs.cs.selector << 4;
		regs.rip = rip - sregs.cs.base;
		regs.rsp = G_STACK16;
		break;
	case GUEST_PROT32:
		flat_seg(&sregs.cs, SEL_CODE32, 11, 0, 1);
		flat_seg(&sregs.ds, SEL_DATA, 3, 0, 1);
		sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
		sregs.gdt.base = G_GDT;
		sregs.gdt.limit = 6 * 8 - 1;
		sregs.cr0 = CR0_PE | CR0_ET | CR0_NE;
		sregs.cr4 = 0;
		sregs.efer = 0;
		regs.rsp = G_STACK;
		break;
	case GUEST_LONG:
		flat_seg(&sregs.cs, SEL_CODE64, 11, 1, 0);
		flat_seg(&sregs.ds, SEL_DATA, 3, 0, 1);
		sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
		sregs.tr = (struct kvm_segment) {
			.base = 0, .limit = 0x67, .selector = SEL_TSS, .type = 11,
			.present = 1,
		};
		sregs.gdt.base = G_GDT;
		sregs.gdt.limit = 6 * 8 - 1;
		sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
		sregs.cr3 = G_PML4;
		sregs.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
		sregs.efer = EFER_LME | EFER_LMA;
		regs.rsp = G_STACK;
		break;
	}
	r = guest_set_sregs(g, vcpu, &sregs);
	if (r)
		return guest_err("KVM_SET_SREGS", r);
	return guest_err("KVM_SET_REGS", guest_set_regs(g, vcpu, &regs));
}

int guest_init(struct guest *g, size_t mem_size, enum guest_mode mode,
	       const uint8_t *start, const uint8_t *end)
{
	int r = guest_create(g, mem_size);

	if (r)
		return r;
	r = guest_add_vcpu(g);
	if (r < 0)
		return r;
	guest_load(g, G_CODE, start, end);
	return guest_set_mode(g, 0, mode, G_CODE);
}

long guest_run(struct guest *g, int vcpu)
{
	return okvm_ioctl(g->vcpu[vcpu].fd, KVM_RUN, 0);
}

/* Only interrupts KVM_RUN: installed without SA_RESTART. */
static void guest_alarm(int sig)
{
}

long guest_run_timeout(struct guest *g, int vcpu, unsigned int seconds)
{
	struct sigaction sa = { .sa_handler = guest_alarm };
	long r;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(seconds);
	r = guest_run(g, vcpu);
	alarm(0);
	return r;
}

void guest_set_gate64(struct guest *g, uint64_t idt, int vector, uint64_t handler,
		      int present)
{
	uint8_t *e = guest_ptr(g, idt + vector * 16);
	uint32_t hi = handler >> 32;

	memset(e, 0, 16);
	e[0] = handler & 0xff;
	e[1] = (handler >> 8) & 0xff;
	e[2] = SEL_CODE64;
	e[5] = (present ? 0x80 : 0) | 0x0e;	/* P, DPL 0, 64-bit interrupt gate */
	e[6] = (handler >> 16) & 0xff;
	e[7] = (handler >> 24) & 0xff;
	memcpy(e + 8, &hi, 4);
}

int guest_set_idt(struct guest *g, int vcpu, uint64_t idt)
{
	struct kvm_sregs s;
	int r = guest_get_sregs(g, vcpu, &s);

	if (r)
		return guest_err("KVM_GET_SREGS", r);
	s.idt.base = idt;
	s.idt.limit = 256 * 16 - 1;
	return guest_err("KVM_SET_SREGS", guest_set_sregs(g, vcpu, &s));
}

int guest_get_regs(struct guest *g, int vcpu, struct kvm_regs *regs)
{
	return okvm_ioctl(g->vcpu[vcpu].fd, KVM_GET_REGS, regs);
}

int guest_set_regs(struct guest *g, int vcpu, struct kvm_regs *regs)
{
	return okvm_ioctl(g->vcpu[vcpu].fd, KVM_SET_REGS, regs);
}

int guest_get_sregs(struct guest *g, int vcpu, struct kvm_sregs *sregs)
{
	return okvm_ioctl(g->vcpu[vcpu].fd, KVM_GET_SREGS, sregs);
}

int guest_set_sregs(struct guest *g, int vcpu, struct kvm_sregs *sregs)
{
	return okvm_ioctl(g->vcpu[vcpu].fd, KVM_SET_SREGS, sregs);
}

long guest_set_slot(struct guest *g, unsigned int slot, unsigned int flags,
		    uint64_t gpa, uint64_t size, void *hva)
{
	return okvm_set_region1(g->vm, slot, flags, gpa, size, hva);
}

const char *guest_exit_str(struct kvm_run *run)
{
	static __thread char buf[160];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		snprintf(buf, sizeof(buf), "IO %s port %#x size %u count %u",
			 run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			 run->io.port, run->io.size, run->io.count);
		break;
	case KVM_EXIT_MMIO:
		snprintf(buf, sizeof(buf), "MMIO %s gpa %#llx len %u data %#llx",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len,
			 *(unsigned long long *)run->mmio.data);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(buf, sizeof(buf), "INTERNAL_ERROR suberror %u ndata %u",
			 run->internal.suberror, run->internal.ndata);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(buf, sizeof(buf), "FAIL_ENTRY reason %#llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_HLT: return "HLT";
	case KVM_EXIT_SHUTDOWN: return "SHUTDOWN";
	case KVM_EXIT_INTR: return "INTR";
	default:
		snprintf(buf, sizeof(buf), "exit reason %u", run->exit_reason);
	}
	return buf;
}

int guest_set_irq_handler(struct guest *g, int vcpu, uint64_t idt, int vector,
			  uint64_t handler)
{
	uint8_t *e = guest_ptr(g, idt + vector * 16);
	uint32_t hi = handler >> 32;
	struct kvm_sregs s;
	int r;

	memset(e, 0, 16);
	e[0] = handler & 0xff;
	e[1] = (handler >> 8) & 0xff;
	e[2] = SEL_CODE64;
	e[5] = 0x8e;			/* present, DPL 0, 64-bit interrupt gate */
	e[6] = (handler >> 16) & 0xff;
	e[7] = (handler >> 24) & 0xff;
	memcpy(e + 8, &hi, 4);

	r = guest_get_sregs(g, vcpu, &s);
	if (r)
		return r;
	s.idt.base = idt;
	s.idt.limit = 256 * 16 - 1;
	return guest_set_sregs(g, vcpu, &s);
}

int64_t guest_stat(int fd, const char *name)
{
	struct kvm_stats_header h;
	size_t dsz;
	char *descs;
	int64_t v = -1;
	uint32_t i;

	if (pread(fd, &h, sizeof(h), 0) != sizeof(h))
		return -1;
	dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = calloc(h.num_desc, dsz);
	if (!descs)
		return -1;
	if (pread(fd, descs, h.num_desc * dsz, h.desc_offset) ==
	    (ssize_t)(h.num_desc * dsz)) {
		for (i = 0; i < h.num_desc; i++) {
			struct kvm_stats_desc *d = (void *)(descs + i * dsz);
			uint64_t val;

			if (strcmp(d->name, name))
				continue;
			if (pread(fd, &val, 8, h.data_offset + d->offset) == 8)
				v = val;
			break;
		}
	}
	free(descs);
	return v;
}

long guest_anon_huge_kb(void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	int in = 0;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		/* A mapping's first line: "lo-hi perms ..."; fields end in ':'. */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    line[strcspn(line, " ") - 1] != ':') {
			in = (unsigned long)addr >= lo && (unsigned long)addr < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}
