/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The in-kernel irqchip (KVM_CREATE_IRQCHIP): one local APIC per vCPU, the
 * I/O APIC and the 8259 pair, wired to the x86 run loop (run.c).
 *
 * One raw spinlock per VM guards every model of the VM (all APICs, the I/O
 * APIC, the PIC): delivery between them happens under it directly, and the
 * APIC timer's hrtimer callback (hardirq) takes it too.
 */
#ifndef OKVM_X86_IRQCHIP_H
#define OKVM_X86_IRQCHIP_H

#include <linux/hrtimer.h>
#include <linux/kvm.h>
#include <linux/spinlock.h>

#include "ioapic.h"
#include "lapic.h"
#include "pic.h"
#include "pit.h"
#include "vcpu_irq.h"

struct okvm_vm;
struct okvm_vcpu;
struct okvm_pit_dev;

/*
 * A GSI routing table (KVM_CREATE_IRQCHIP's default or KVM_SET_GSI_ROUTING's),
 * in vm->arch.irq_routes: see docs/locking.md.
 */
struct okvm_irq_routes {
	u32 nr;
	struct kvm_irq_routing_entry e[] __counted_by(nr);
};

/*
 * KVM_CREATE_IRQCHIP: everything in the kernel. KVM_CAP_SPLIT_IRQCHIP
 * (@split): only the local APICs; the VMM has the PIC and I/O APIC, so
 * @ioapic and @pic are unused, ExtINT comes from KVM_INTERRUPT, and the
 * EOI of a vector the VMM's I/O APIC routes (@eoi_exit_vectors, from the
 * level-triggered MSI routes of its first @nr_ioapic_pins GSIs) exits
 * as KVM_EXIT_IOAPIC_EOI.
 */
struct okvm_irqchip {
	raw_spinlock_t lock;
	bool split;
	u32 nr_ioapic_pins;
	DECLARE_BITMAP(eoi_exit_vectors, 256);
	struct okvm_ioapic ioapic;
	struct okvm_pic pic;
	/* KVM_CREATE_PIT2 (pit_vm.c), or NULL; set once, under the lock. */
	struct okvm_pit_dev *pit;
	/* Scratch for one delivery's candidate APICs (lock held). */
	struct okvm_lapic *cands[OKVM_IRQCHIP_MAX_VCPUS];
};

long okvm_irqchip_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
			   void __user *argp);
long okvm_irqchip_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			     void __user *argp);
int okvm_irqchip_vcpu_init(struct okvm_vcpu *vcpu);
void okvm_irqchip_vcpu_free(struct okvm_vcpu *vcpu);
void okvm_irqchip_vm_free(struct okvm_vm *vm);

u32 okvm_irqchip_take_events(struct okvm_vcpu *vcpu, u8 *sipi);
void okvm_irqchip_init_reset(struct okvm_vcpu *vcpu);
bool okvm_irqchip_has_interrupt(struct okvm_vcpu *vcpu);
int okvm_irqchip_ack_interrupt(struct okvm_vcpu *vcpu);
void okvm_irqchip_tpr_to_guest(struct okvm_vcpu *vcpu);
void okvm_irqchip_tpr_from_guest(struct okvm_vcpu *vcpu);
bool okvm_irqchip_entry_aborted(struct okvm_vcpu *vcpu);
int okvm_irqchip_block(struct okvm_vcpu *vcpu);
int okvm_irqchip_mmio(struct okvm_vcpu *vcpu, u64 gpa, bool write, int len,
		      u64 *val);
int okvm_irqchip_pio(struct okvm_vcpu *vcpu, u16 port, bool in, int size,
		     u32 *val);
int okvm_irqchip_msr(struct okvm_vcpu *vcpu, u32 msr, u64 *data, bool write,
		     bool host);
int okvm_irqchip_pv_eoi_msr(struct okvm_vcpu *vcpu, u64 *data, bool write,
			    bool host);
void okvm_irqchip_pv_eoi_to_guest(struct okvm_vcpu *vcpu);
void okvm_irqchip_pv_eoi_from_guest(struct okvm_vcpu *vcpu);

void okvm_irqchip_set_gsi_locked(struct okvm_vm *vm, u32 gsi, bool level);

static inline bool okvm_irqchip_has_pic(const struct okvm_irqchip *chip)
{
	return !chip->split;
}

int okvm_irqchip_enable_split(struct okvm_vm *vm, u64 nr_ioapic_pins);
bool okvm_irqchip_split(struct okvm_vcpu *vcpu);
int okvm_irqchip_interrupt(struct okvm_vcpu *vcpu, u8 vector);
bool okvm_irqchip_ready_for_extint(struct okvm_vcpu *vcpu);
bool okvm_irqchip_eoi_exit(struct okvm_vcpu *vcpu);

/* pit_vm.c: the PIT of the VM, under the irqchip lock. */
long okvm_pit_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
		       void __user *argp);
void okvm_pit_vm_free(struct okvm_irqchip *chip);
bool okvm_pit_pio(struct okvm_irqchip *chip, u16 port, bool in, u32 *val);
void okvm_pit_irq0_event(struct okvm_irqchip *chip, bool unmasked);

#endif /* OKVM_X86_IRQCHIP_H */
