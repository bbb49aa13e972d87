/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Common x86 code (the files of src/x86/): what they and the backend
 * (src/x86/svm/) call. The backend's own interface is vendor.h; this
 * header never names a backend.
 */
#ifndef OKVM_X86_X86_H
#define OKVM_X86_X86_H

#include <linux/kvm.h>
#include <asm/processor-flags.h>

#include "okvm.h"
#include "vendor.h"

/* --- registers the backend keeps (vendor.h) --------------------------------- */

static inline u64 okvm_rip_read(struct okvm_vcpu *vcpu)
{
	return okvm_x86_ops.get_rip(vcpu);
}

static inline void okvm_rip_write(struct okvm_vcpu *vcpu, u64 rip)
{
	okvm_x86_ops.set_rip(vcpu, rip);
}

static inline u64 okvm_rflags_read(struct okvm_vcpu *vcpu)
{
	return okvm_x86_ops.get_rflags(vcpu);
}

static inline u64 okvm_cr_read(struct okvm_vcpu *vcpu, enum okvm_cr cr)
{
	return okvm_x86_ops.get_cr(vcpu, cr);
}

static inline u64 okvm_efer_read(struct okvm_vcpu *vcpu)
{
	return okvm_x86_ops.get_efer(vcpu);
}

static inline int okvm_cpl(struct okvm_vcpu *vcpu)
{
	return okvm_x86_ops.get_cpl(vcpu);
}

/*
 * Debug-register bits (SDM vol. 3, 18.2; APM vol. 2, 13.1). DR6's active-low
 * and fixed-1 bits read 1 when nothing is reported: that is also its RESET
 * value. okvm offers neither RTM nor bus-lock detection, so their DR6 bits
 * (16, 11) stay at 1 and DR7's RTM bit (11) at 0.
 */
#define OKVM_DR6_TRAP_BITS	0xfULL		/* B0-B3 */
#define OKVM_DR6_BD		BIT_ULL(13)	/* debug-register access detected */
#define OKVM_DR6_ACTIVE_LOW	0xffff0ff0ULL	/* also the RESET value */
#define OKVM_DR6_FIXED_1	0xfffe0ff0ULL
#define OKVM_DR6_VOLATILE	0xe00fULL	/* B0-B3, BD, BS, BT */
#define OKVM_DR7_GD		BIT_ULL(13)	/* general detect */
#define OKVM_DR7_ENABLES	0xffULL		/* L0-3 and G0-3 */
#define OKVM_DR7_FIXED_1	0x400ULL	/* also the RESET value */
#define OKVM_DR7_VOLATILE	0xffff23ffULL

/* The canonical-address check for a 48-bit linear address space. */
static inline bool okvm_is_canonical(u64 addr)
{
	return ((s64)addr << 16 >> 16) == (s64)addr;
}

/* regs.c */
void okvm_get_regs(struct okvm_vcpu *vcpu, struct kvm_regs *k);
void okvm_set_regs(struct okvm_vcpu *vcpu, const struct kvm_regs *k);
void okvm_get_sregs(struct okvm_vcpu *vcpu, struct kvm_sregs *k);
int okvm_set_sregs(struct okvm_vcpu *vcpu, const struct kvm_sregs *k);
bool okvm_cr4_valid(struct okvm_vcpu *vcpu, u64 cr4);
int okvm_set_cr4(struct okvm_vcpu *vcpu, u64 cr4);
int okvm_emulate_cr4_write(struct okvm_vcpu *vcpu);
int okvm_emulate_mov_dr(struct okvm_vcpu *vcpu);
int okvm_fpu_alloc(struct okvm_vcpu *vcpu);
void okvm_fpu_free(struct okvm_vcpu *vcpu);
void okvm_fpu_load(struct okvm_vcpu *vcpu);
void okvm_fpu_put(struct okvm_vcpu *vcpu);
void okvm_fpu_ready(struct okvm_vcpu *vcpu);
void okvm_vcpu_reset(struct okvm_vcpu *vcpu, bool init_event);
int okvm_sync_regs_in(struct okvm_vcpu *vcpu);
void okvm_sync_regs_out(struct okvm_vcpu *vcpu);
long okvm_regs_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
		     void __user *argp);

/*
 * EFER bits a guest may own: SYSCALL, long mode, NX. LMA is the CPU's.
 * (<asm/msr-index.h> names them; the users include it.)
 */
#define OKVM_EFER_VALID	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

/* --- the event queue (events.c) --------------------------------------------- */

/* The NMI's vector (the exceptions' are <asm/kvm.h>'s *_VECTOR). */
#define OKVM_NMI_VECTOR		2

void okvm_queue_exception(struct okvm_vcpu *vcpu, u8 vector);
void okvm_queue_exception_e(struct okvm_vcpu *vcpu, u8 vector, u32 error);
void okvm_queue_exception_p(struct okvm_vcpu *vcpu, u8 vector, u64 payload);
void okvm_queue_page_fault(struct okvm_vcpu *vcpu, u64 addr, u32 error);
void okvm_queue_nmi(struct okvm_vcpu *vcpu);
void okvm_queue_interrupt(struct okvm_vcpu *vcpu, u8 vector, bool soft);
void okvm_clear_events(struct okvm_vcpu *vcpu);
void okvm_drop_injected_event(struct okvm_vcpu *vcpu);
void okvm_deliver_exception_payload(struct okvm_vcpu *vcpu);
bool okvm_event_injected(struct okvm_vcpu *vcpu);
void okvm_inject_pending_events(struct okvm_vcpu *vcpu);

static inline void okvm_inject_gp(struct okvm_vcpu *vcpu)
{
	okvm_queue_exception_e(vcpu, GP_VECTOR, 0);
}

static inline void okvm_inject_ud(struct okvm_vcpu *vcpu)
{
	okvm_queue_exception(vcpu, UD_VECTOR);
}

void okvm_get_vcpu_events(struct okvm_vcpu *vcpu, struct kvm_vcpu_events *e);
int okvm_set_vcpu_events(struct okvm_vcpu *vcpu, struct kvm_vcpu_events *e);
long okvm_events_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
		       void __user *argp);

/* --- the run loop (run.c) ----------------------------------------------------- */

int okvm_x86_vcpu_run(struct okvm_vcpu *vcpu);
bool okvm_x86_entry_cancelled(struct okvm_vcpu *vcpu, int cpu);
void okvm_x86_flush_remote_tlbs(struct okvm_vm *vm);
int okvm_x86_halt(struct okvm_vcpu *vcpu);
int okvm_x86_shutdown(struct okvm_vcpu *vcpu);
int okvm_x86_cpuid_insn(struct okvm_vcpu *vcpu);

/* --- exits to userspace that report a failure (insn.c) ---------------------- */

int okvm_internal_error(struct okvm_vcpu *vcpu, u32 suberror, u64 d0, u64 d1);
int okvm_emulation_failure(struct okvm_vcpu *vcpu);

/* --- instructions at RIP (insn.c) --------------------------------------------- */

bool okvm_is_64bit_mode(struct okvm_vcpu *vcpu);
u64 okvm_seg_base(struct okvm_vcpu *vcpu, int seg);
void okvm_set_next_rip(struct okvm_vcpu *vcpu, u64 rip);
void okvm_skip_insn(struct okvm_vcpu *vcpu, unsigned int len);

/* Retire the intercepted instruction at RIP. Return: 1, or 0 (exit). */
static inline int okvm_skip_exit_insn(struct okvm_vcpu *vcpu)
{
	return okvm_x86_ops.skip_emulated_instruction(vcpu);
}

enum okvm_cpu_mode okvm_vcpu_cpu_mode(struct okvm_vcpu *vcpu);
int okvm_fetch_insn(struct okvm_vcpu *vcpu, struct okvm_insn *insn);
int okvm_skip_decoded_insn(struct okvm_vcpu *vcpu);
int okvm_rewrite_at_rip(struct okvm_vcpu *vcpu, const u8 *old, const u8 *new,
			unsigned int len);

/* --- port I/O (pio.c) and MMIO (mmio.c) -------------------------------------- */

/* A port access as the backend decoded it from its exit. */
struct okvm_io_exit {
	u16 port;
	u8 size;		/* 1, 2 or 4 */
	bool in;
	bool string;
	bool rep;
	u64 next_rip;		/* after the instruction */
};

int okvm_emulate_pio(struct okvm_vcpu *vcpu, const struct okvm_io_exit *io);
int okvm_emulate_mmio(struct okvm_vcpu *vcpu, u64 gpa);

/* --- MSRs (msr.c) -------------------------------------------------------------- */

/* The result of one MSR access (KVM's KVM_MSR_RET_*, named). */
enum okvm_msr_result {
	OKVM_MSR_OK = 0,
	OKVM_MSR_GP = 1,		/* the CPU would refuse it: #GP */
	OKVM_MSR_UNSUPPORTED = 2,	/* an MSR okvm does not know */
	OKVM_MSR_FILTERED = 3,		/* the VM's MSR filter denies it */
};

/* Who accesses an MSR: the guest (RDMSR/WRMSR) or userspace (KVM_*_MSRS). */
struct okvm_msr_access {
	u32 index;
	bool host;
};

int okvm_msr_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host);
int okvm_msr_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host);
int okvm_emulate_msr(struct okvm_vcpu *vcpu, bool write);
void okvm_msr_vcpu_init(struct okvm_vcpu *vcpu);
int okvm_msr_vm_enable_cap(struct okvm_vm *vm, const struct kvm_enable_cap *cap);
void okvm_msr_vm_free(struct okvm_vm *vm);
long okvm_msr_dev_ioctl(unsigned int ioctl, void __user *argp);
long okvm_msr_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
		       void __user *argp);
long okvm_msr_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			 void __user *argp);

/* --- the host CPU (host.c) ------------------------------------------------------ */

void okvm_host_cpuid(u32 fn, u32 idx, u32 *eax, u32 *ebx, u32 *ecx, u32 *edx);
u8 okvm_host_maxphyaddr(void);
int okvm_host_rdmsr(u32 index, u64 *data);

/* --- CPUID (cpuid.c) ------------------------------------------------------------ */

void okvm_cpuid_lookup(struct okvm_vcpu *vcpu, u32 fn, u32 idx, u32 *eax,
		       u32 *ebx, u32 *ecx, u32 *edx);
struct kvm_cpuid_entry2 *okvm_cpuid_entry(struct okvm_vcpu *vcpu, u32 fn,
					  u32 idx);
void okvm_cpuid_runtime_update(struct okvm_vcpu *vcpu);
u8 okvm_cpuid_maxphyaddr(struct okvm_vcpu *vcpu);

/* mce.c */
long okvm_mce_dev_ioctl(unsigned int ioctl, void __user *argp);
long okvm_mce_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			 void __user *argp);
int okvm_mce_msr_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host);
int okvm_mce_msr_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host);
long okvm_cpuid_dev_ioctl(unsigned int ioctl, void __user *argp);
long okvm_cpuid_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			   void __user *argp);

#endif /* OKVM_X86_X86_H */
