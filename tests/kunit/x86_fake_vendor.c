// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fake x86 world of the KUnit suites for common x86 code (see
 * x86_fake_vendor.h): a backend that is a plain struct, a flat guest
 * memory, and stand-ins for the files the UML build does not have.
 */
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>

#include "eventfd.h"
#include "x86/coalesced.h"
#include "x86/guest_virt.h"
#include "x86/irqchip/irqchip.h"
#include "x86/kvmclock.h"
#include "x86/pv.h"
#include "x86/steal.h"
#include "x86/tsc.h"
#include "x86/userirq.h"
#include "x86/xsave.h"
#include "x86_fake_vendor.h"

/* --- the backend ------------------------------------------------------------ */

static struct okvm_fake_vendor *fv(struct okvm_vcpu *vcpu)
{
	return vcpu->arch.vendor;
}

static int fake_setup(void)
{
	return 0;
}

static void fake_unsetup(void)
{
}

static int fake_int_vcpu(struct okvm_vcpu *vcpu)
{
	return 0;
}

static void fake_void_vcpu(struct okvm_vcpu *vcpu)
{
}

static void fake_vcpu_reset(struct okvm_vcpu *vcpu, bool init_event)
{
}

static u64 fake_get_rip(struct okvm_vcpu *vcpu)
{
	return fv(vcpu)->rip;
}

static void fake_set_rip(struct okvm_vcpu *vcpu, u64 rip)
{
	fv(vcpu)->rip = rip;
}

static u64 fake_get_rflags(struct okvm_vcpu *vcpu)
{
	return fv(vcpu)->rflags;
}

static void fake_set_rflags(struct okvm_vcpu *vcpu, u64 rflags)
{
	fv(vcpu)->rflags = rflags;
}

static void fake_get_segment(struct okvm_vcpu *vcpu, struct kvm_segment *s,
			     int seg)
{
	*s = fv(vcpu)->seg[seg];
}

static void fake_set_segment(struct okvm_vcpu *vcpu,
			     const struct kvm_segment *s, int seg)
{
	fv(vcpu)->seg[seg] = *s;
}

static void fake_get_dtable(struct okvm_vcpu *vcpu, struct kvm_dtable *dt,
			    bool idt)
{
	memset(dt, 0, sizeof(*dt));
}

static void fake_set_dtable(struct okvm_vcpu *vcpu,
			    const struct kvm_dtable *dt, bool idt)
{
}

static int fake_get_cpl(struct okvm_vcpu *vcpu)
{
	return fv(vcpu)->cpl;
}

static u64 fake_get_cr(struct okvm_vcpu *vcpu, enum okvm_cr cr)
{
	return fv(vcpu)->cr[cr];
}

static void fake_set_cr(struct okvm_vcpu *vcpu, enum okvm_cr cr, u64 val)
{
	fv(vcpu)->cr[cr] = val;
}

static u64 fake_get_efer(struct okvm_vcpu *vcpu)
{
	return fv(vcpu)->efer;
}

static void fake_set_efer(struct okvm_vcpu *vcpu, u64 efer)
{
	fv(vcpu)->efer = efer;
}

static u64 fake_get_dr(struct okvm_vcpu *vcpu, int dr)
{
	return dr == 6 ? fv(vcpu)->dr6 : fv(vcpu)->dr7;
}

static void fake_set_dr(struct okvm_vcpu *vcpu, int dr, u64 val)
{
	if (dr == 6)
		fv(vcpu)->dr6 = val;
	else
		fv(vcpu)->dr7 = val;
}

/* The MSRs vendor.h says a backend keeps in its state block. */
static const u32 fake_msrs[OKVM_FAKE_NR_MSRS] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_FS_BASE,
	MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_IA32_SYSENTER_CS,
	MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP, MSR_IA32_CR_PAT,
};

static u64 *fake_msr(struct okvm_vcpu *vcpu, u32 index)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(fake_msrs); i++)
		if (fake_msrs[i] == index)
			return &fv(vcpu)->msr[i];
	return NULL;
}

static bool fake_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data)
{
	u64 *m = fake_msr(vcpu, index);

	if (m)
		*data = *m;
	return m;
}

static bool fake_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data)
{
	u64 *m = fake_msr(vcpu, index);

	if (m)
		*m = data;
	return m;
}

static u32 fake_get_shadow(struct okvm_vcpu *vcpu)
{
	return fv(vcpu)->shadow;
}

static void fake_set_shadow(struct okvm_vcpu *vcpu, u32 mask)
{
	fv(vcpu)->shadow = mask;
}

static void fake_set_u64(struct okvm_vcpu *vcpu, u64 v)
{
}

static void fake_set_hlt(struct okvm_vcpu *vcpu, bool exiting)
{
}

/* As a CPU with NRIP save: the exit said how long the instruction is. */
static int fake_skip(struct okvm_vcpu *vcpu)
{
	fv(vcpu)->skips++;
	okvm_skip_insn(vcpu, fv(vcpu)->exit_insn_len);
	return 1;
}

static void fake_flush_tlb(struct okvm_vcpu *vcpu)
{
	fv(vcpu)->tlb_flushes++;
}

static void fake_inject_exception(struct okvm_vcpu *vcpu)
{
	fv(vcpu)->injected = 'E';
	fv(vcpu)->inj_vector = vcpu->arch.ev.exc.vector;
}

static void fake_inject_nmi(struct okvm_vcpu *vcpu)
{
	fv(vcpu)->injected = 'N';
	fv(vcpu)->inj_vector = OKVM_NMI_VECTOR;
	/* As hardware: NMIs are blocked from delivery until IRET. */
	fv(vcpu)->nmi_masked = true;
}

static void fake_inject_irq(struct okvm_vcpu *vcpu)
{
	fv(vcpu)->injected = 'I';
	fv(vcpu)->inj_vector = vcpu->arch.ev.irq.nr;
}

static bool fake_get_nmi_mask(struct okvm_vcpu *vcpu)
{
	return fv(vcpu)->nmi_masked;
}

static void fake_set_nmi_mask(struct okvm_vcpu *vcpu, bool masked)
{
	fv(vcpu)->nmi_masked = masked;
}

static bool fake_nmi_blocked(struct okvm_vcpu *vcpu)
{
	return fv(vcpu)->nmi_masked || fv(vcpu)->shadow;
}

static bool fake_interrupt_blocked(struct okvm_vcpu *vcpu)
{
	return !fv(vcpu)->if_flag || fv(vcpu)->shadow;
}

static void fake_enable_nmi_window(struct okvm_vcpu *vcpu)
{
	fv(vcpu)->nmi_windows++;
}

static void fake_enable_irq_window(struct okvm_vcpu *vcpu)
{
	fv(vcpu)->irq_windows++;
}

static enum okvm_run_result fake_run(struct okvm_vcpu *vcpu)
{
	return OKVM_RUN_CANCELLED;
}

static void fake_exit_info(struct okvm_vcpu *vcpu, struct okvm_exit_info *i)
{
	memset(i, 0, sizeof(*i));
}

static int fake_vm_addr(struct okvm_vm *vm, unsigned long addr)
{
	return 0;
}

static int fake_vm_addr64(struct okvm_vm *vm, u64 addr)
{
	return 0;
}

const struct okvm_x86_ops okvm_fake_ops = {
	.name = "fake",
	.hardware_setup = fake_setup,
	.hardware_unsetup = fake_unsetup,
	.set_tss_addr = fake_vm_addr,
	.set_identity_map_addr = fake_vm_addr64,
	.vcpu_create = fake_int_vcpu,
	.vcpu_free = fake_void_vcpu,
	.vcpu_reset = fake_vcpu_reset,
	.get_rip = fake_get_rip,
	.set_rip = fake_set_rip,
	.get_rflags = fake_get_rflags,
	.set_rflags = fake_set_rflags,
	.get_segment = fake_get_segment,
	.set_segment = fake_set_segment,
	.get_dtable = fake_get_dtable,
	.set_dtable = fake_set_dtable,
	.get_cpl = fake_get_cpl,
	.get_cr = fake_get_cr,
	.set_cr = fake_set_cr,
	.get_efer = fake_get_efer,
	.set_efer = fake_set_efer,
	.get_dr = fake_get_dr,
	.set_dr = fake_set_dr,
	.get_msr = fake_get_msr,
	.set_msr = fake_set_msr,
	.get_interrupt_shadow = fake_get_shadow,
	.set_interrupt_shadow = fake_set_shadow,
	.write_tsc_offset = fake_set_u64,
	.set_hlt_exiting = fake_set_hlt,
	.skip_emulated_instruction = fake_skip,
	.flush_guest_tlb = fake_flush_tlb,
	.inject_exception = fake_inject_exception,
	.inject_nmi = fake_inject_nmi,
	.inject_irq = fake_inject_irq,
	.cancel_injection = fake_void_vcpu,
	.get_nmi_mask = fake_get_nmi_mask,
	.set_nmi_mask = fake_set_nmi_mask,
	.nmi_blocked = fake_nmi_blocked,
	.interrupt_blocked = fake_interrupt_blocked,
	.enable_nmi_window = fake_enable_nmi_window,
	.enable_irq_window = fake_enable_irq_window,
	.vcpu_run = fake_run,
	.handle_exit = fake_int_vcpu,
	.get_exit_info = fake_exit_info,
};

/* --- the vCPU ----------------------------------------------------------------- */

static void free_page_action(void *page)
{
	__free_page(page);
}

/* What the code under test allocated: the MSR filter, the CPUID table. */
static void fake_x86_free(void *vcpu)
{
	struct okvm_vcpu *v = vcpu;

	okvm_msr_vm_free(v->vm);
	kvfree(v->arch.cpuid);
}

/**
 * okvm_fake_vcpu_create() - a vCPU on the fake backend, freed with @test
 * @test: the test
 *
 * The vCPU is at RESET as far as the fake goes (real mode, all zeros),
 * with a kvm_run, a PIO page and the fake guest memory.
 * Return: the vCPU (the test fails here if anything is missing).
 */
struct okvm_vcpu *okvm_fake_vcpu_create(struct kunit *test)
{
	struct okvm_fake_x86 *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct okvm_vcpu *vcpu;
	struct page *page;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, okvm_x86_vendor_init(&okvm_fake_ops), 0);
	vcpu = &c->vcpu;
	vcpu->vm = &c->vm;
	vcpu->arch.vendor = &c->fv;
	mutex_init(&vcpu->mutex);
	mutex_init(&c->vm.lock);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, fake_x86_free, vcpu),
			0);

	vcpu->run = kunit_kzalloc(test, sizeof(*vcpu->run), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, vcpu->run);
	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, free_page_action, page),
			0);
	vcpu->arch.pio_page = page;

	c->fv.mem = kunit_kzalloc(test, OKVM_FAKE_MEM_PAGES * PAGE_SIZE,
				  GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->fv.mem);
	c->fv.irq_pending = -1;
	c->fv.if_flag = true;
	c->fv.coalesced_port = -1;
	c->fv.kernel_port = -1;
	return vcpu;
}

/**
 * okvm_fake_long_mode() - put the vCPU in 64-bit mode with flat segments
 * @vcpu: a vCPU of okvm_fake_vcpu_create()
 */
void okvm_fake_long_mode(struct okvm_vcpu *vcpu)
{
	struct okvm_fake_vendor *f = fv(vcpu);

	f->cr[OKVM_CR0] = X86_CR0_PE | X86_CR0_PG;
	f->cr[OKVM_CR4] = X86_CR4_PAE;
	f->efer = EFER_LME | EFER_LMA;
	f->seg[OKVM_SEG_CS].l = 1;
}

/**
 * okvm_fake_protected_mode() - 32-bit protected mode, flat but for CS
 * @vcpu: a vCPU of okvm_fake_vcpu_create()
 *
 * CS's base is 0x1000 so that a linear address differs from RIP.
 */
void okvm_fake_protected_mode(struct okvm_vcpu *vcpu)
{
	struct okvm_fake_vendor *f = fv(vcpu);

	f->cr[OKVM_CR0] = X86_CR0_PE;
	f->efer = 0;
	f->seg[OKVM_SEG_CS] = (struct kvm_segment){ .base = 0x1000, .db = 1 };
}

/**
 * okvm_fake_mem() - the fake guest memory behind linear addresses
 * @vcpu: a vCPU of okvm_fake_vcpu_create()
 * @la: linear address
 * @len: bytes
 *
 * Return: the bytes, or NULL if any of them is outside the fake memory.
 */
u8 *okvm_fake_mem(struct okvm_vcpu *vcpu, u64 la, unsigned int len)
{
	if (la < OKVM_FAKE_MEM_BASE ||
	    la + len > OKVM_FAKE_MEM_BASE + OKVM_FAKE_MEM_PAGES * PAGE_SIZE)
		return NULL;
	return fv(vcpu)->mem + (la - OKVM_FAKE_MEM_BASE);
}

/**
 * okvm_fake_user_copy() - a copy of @buf in user memory, for an ioctl
 * @test: the test (the mapping goes with it)
 * @buf: the bytes
 * @len: their length
 *
 * Return: the user address (the test fails here if there is none).
 */
void __user *okvm_fake_user_copy(struct kunit *test, const void *buf,
				 size_t len)
{
	unsigned long addr = kunit_vm_mmap(test, NULL, 0, PAGE_ALIGN(len),
					   PROT_READ | PROT_WRITE,
					   MAP_ANONYMOUS | MAP_PRIVATE, 0);

	KUNIT_ASSERT_NE_MSG(test, addr, 0, "no user memory");
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr, buf, len), 0);
	return (void __user *)addr;
}

/* --- stand-ins for guest_virt.c: flat linear memory --------------------------- */

u32 okvm_gva_access_user(struct okvm_vcpu *vcpu)
{
	return okvm_cpl(vcpu) == 3 ? OKVM_GWALK_USER : 0;
}

/*
 * Outside the fake memory: -EFAULT in the MMIO window, else a not-present
 * #PF on the first byte.
 */
static int fake_fault(u64 la, u32 access, struct okvm_gwalk_result *res)
{
	if (la >= OKVM_FAKE_MMIO_LA &&
	    la < OKVM_FAKE_MMIO_LA + OKVM_FAKE_MMIO_SIZE)
		return -EFAULT;
	memset(res, 0, sizeof(*res));
	res->addr = la;
	res->error_code = access & (OKVM_GWALK_WRITE | OKVM_GWALK_USER |
				    OKVM_GWALK_FETCH);
	return 1;
}

int okvm_read_gva(struct okvm_vcpu *vcpu, u64 la, void *buf, unsigned int len,
		  u32 access, struct okvm_gwalk_result *res)
{
	u8 *p = okvm_fake_mem(vcpu, la, len);

	if (!p)
		return fake_fault(la, access, res);
	memcpy(buf, p, len);
	return 0;
}

int okvm_write_gva(struct okvm_vcpu *vcpu, u64 la, const void *buf,
		   unsigned int len, struct okvm_gwalk_result *res)
{
	u8 *p = okvm_fake_mem(vcpu, la, len);

	if (!p)
		return fake_fault(la, OKVM_GWALK_WRITE |
				  okvm_gva_access_user(vcpu), res);
	memcpy(p, buf, len);
	return 0;
}

void okvm_queue_gva_fault(struct okvm_vcpu *vcpu,
			  const struct okvm_gwalk_result *res)
{
	okvm_queue_page_fault(vcpu, res->addr, res->error_code);
}

/* --- stand-ins for the irqchip glue and the userspace irqchip ----------------- */

bool okvm_irqchip_has_interrupt(struct okvm_vcpu *vcpu)
{
	return fv(vcpu)->irq_pending >= 0;
}

int okvm_irqchip_ack_interrupt(struct okvm_vcpu *vcpu)
{
	int v = fv(vcpu)->irq_pending;

	fv(vcpu)->irq_pending = -1;
	return v;
}

bool okvm_userirq_wants_window(struct okvm_vcpu *vcpu)
{
	return fv(vcpu)->user_window;
}

/*
 * The in-kernel irqchip has one port at most (a byte device, as the PIT:
 * a read zero-extends its byte); pages and MSRs are someone else's.
 */
int okvm_irqchip_pio(struct okvm_vcpu *vcpu, u16 port, bool in, int size,
		     u32 *val)
{
	if (port != fv(vcpu)->kernel_port)
		return 0;
	if (in)
		*val = fv(vcpu)->kernel_port_in;
	else
		fv(vcpu)->kernel_port_out = *val;
	return 1;
}

int okvm_irqchip_mmio(struct okvm_vcpu *vcpu, u64 gpa, bool write, int len,
		      u64 *val)
{
	return 0;
}

/* KVM_INTERRUPT with an in-kernel APIC: as with KVM_CREATE_IRQCHIP's. */
int okvm_irqchip_interrupt(struct okvm_vcpu *vcpu, u8 vector)
{
	return -ENXIO;
}

int okvm_irqchip_msr(struct okvm_vcpu *vcpu, u32 msr, u64 *data, bool write,
		     bool host)
{
	return -ENOENT;
}

/* No APIC here: the value is kept, as okvm keeps it without one. */
int okvm_irqchip_pv_eoi_msr(struct okvm_vcpu *vcpu, u64 *data, bool write,
			    bool host)
{
	if (write)
		vcpu->arch.irq.pv_eoi_msr = *data;
	else
		*data = vcpu->arch.irq.pv_eoi_msr;
	return 0;
}

/* --- stand-ins for ioeventfds and the coalesced ring --------------------------- */

bool okvm_ioeventfd_write(struct okvm_vm *vm, bool pio, u64 addr,
			  unsigned int len, const void *val)
{
	return false;
}

/* One coalesced port (okvm_fake_vendor.coalesced_port): its last value. */
bool okvm_coalesced_write(struct okvm_vm *vm, bool pio, u64 addr,
			  unsigned int len, const void *data, unsigned int count)
{
	struct okvm_fake_vendor *f = &container_of(vm, struct okvm_fake_x86,
						   vm)->fv;

	if (!pio || addr != f->coalesced_port)
		return false;
	f->coalesced_data = 0;
	memcpy(&f->coalesced_data, data + (count - 1) * len, len);
	return true;
}

/* --- stand-ins for the TSC, kvmclock and steal-time MSRs ---------------------- */

int okvm_tsc_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool write,
		 bool host)
{
	if (write)
		fv(vcpu)->tsc = *data;
	else
		*data = fv(vcpu)->tsc;
	return 0;
}

int okvm_kvmclock_msr_get(struct okvm_vcpu *vcpu, u32 index, u64 *data,
			  bool host)
{
	*data = vcpu->arch.kvmclock_msr;
	return OKVM_MSR_OK;
}

int okvm_kvmclock_msr_set(struct okvm_vcpu *vcpu, u32 index, u64 data,
			  bool host)
{
	vcpu->arch.kvmclock_msr = data;
	return OKVM_MSR_OK;
}

int okvm_steal_msr(struct okvm_vcpu *vcpu, u64 *data, bool write, bool host)
{
	if (write)
		vcpu->arch.steal_msr = *data;
	else
		*data = vcpu->arch.steal_msr;
	return OKVM_MSR_OK;
}

/* --- stand-ins for XSAVE's and the PV leaves' CPUID: none offered ------------ */

u64 okvm_supported_xcr0;

u32 okvm_xsave_cpuid1_ecx(u32 host_ecx)
{
	return 0;
}

int okvm_xsave_cpuid(struct kvm_cpuid_entry2 *e, int max)
{
	return 0;
}

void okvm_xsave_update_cpuid(struct okvm_vcpu *vcpu)
{
}

int okvm_pv_supported_cpuid(struct kvm_cpuid_entry2 *e, int max)
{
	return 0;
}

void okvm_pv_update_cpuid(struct okvm_vcpu *vcpu, struct kvm_cpuid_entry2 *e,
			  int nent)
{
}

/* --- the host CPU (host.c): every feature bit set, 48-bit addresses ------------ */

void okvm_host_cpuid(u32 fn, u32 idx, u32 *eax, u32 *ebx, u32 *ecx, u32 *edx)
{
	*eax = *ebx = *ecx = *edx = ~0U;
	switch (fn) {
	case 0:
		*eax = 0xd;
		break;
	case 0x80000000:
		*eax = 0x80000008;
		break;
	case 0x80000008:
		*eax = 0xffff3030;	/* 48 bits linear and physical */
		break;
	}
}

/* The host refuses every MSR read. */
int okvm_host_rdmsr(u32 index, u64 *data)
{
	return -EIO;
}
