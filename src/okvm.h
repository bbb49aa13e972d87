/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * okvm core: the VM and vCPU objects and the interfaces between the
 * arch-neutral core (src/) and an arch (src/<arch>/, through arch.h).
 *
 * Lifetime: a VM lives while anything refers to it: its fd, each vCPU fd,
 * each stats fd. vCPUs belong to their VM and die with it; a vCPU fd keeps
 * the whole VM alive. Every fd is an anon inode owned by this module, so
 * the module cannot go away while one is open.
 */
#ifndef OKVM_H
#define OKVM_H

#include <linux/mm_types.h>
#include <linux/mmu_notifier.h>
#include <linux/signal_types.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/srcu.h>
#include <linux/xarray.h>

#include "arch_types.h"
#include "eventfd.h"
#include "memslot.h"
#include "mmu/mmu.h"
#include "stats.h"

/* vCPU limits: upstream tests assume 1024 vCPUs (their KVM_MAX_VCPUS)
 * and create every one advertised, which takes seconds under TCG; IDs may
 * be sparse (x2APIC IDs), as in KVM (ratio 4).
 */
#define OKVM_MAX_VCPUS		1024
#define OKVM_MAX_VCPU_IDS	(OKVM_MAX_VCPUS * 4)
static_assert(OKVM_MAX_VCPUS <= OKVM_IRQCHIP_MAX_VCPUS);

struct okvm_vm {
	refcount_t users;
	bool dead;			/* see OKVM_BUG_ON() */
	struct mm_struct *mm;		/* mmgrab()ed; ioctls from others fail */
	unsigned long type;

	/* Serializes vCPU creation and VM-wide configuration. */
	struct mutex lock;
	u32 max_vcpu_ids;		/* 0: not set, OKVM_MAX_VCPU_IDS applies */
	unsigned int created_vcpus;	/* incl. ones still being created */
	atomic_t online_vcpus;
	struct xarray vcpu_array;	/* index -> vcpu, 0..online_vcpus-1 */

	/* Serializes memslot updates; readers use srcu. */
	struct mutex slots_lock;
	struct okvm_memslots __rcu *memslots;
	struct srcu_struct srcu;
	/* KVM_DIRTY_LOG_* options (KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2); slots_lock */
	u64 manual_dirty_log_protect;

	/* Guest-physical page tables of the whole VM (the arch's format). */
	struct okvm_mmu mmu;

	/*
	 * MMU-notifier state the fault path checks: a fault that raced with
	 * an invalidation (one in progress over its HVA, or one that ended
	 * after the fault took its snapshot of @mmu_invalidate_seq) must not
	 * install the page it found.
	 */
	struct mmu_notifier mmu_notifier;
	spinlock_t invalidate_lock;	/* protects the four fields below */
	unsigned long mmu_invalidate_seq;
	long mmu_invalidate_in_progress;
	unsigned long mmu_invalidate_start, mmu_invalidate_end;

	/*
	 * The VM type has private memory (KVM_MEM_GUEST_MEMFD slots, memory
	 * attributes); set by the arch at creation.
	 */
	bool has_private_mem;
	/*
	 * GFN bits the arch's VM type adds to shared accesses (x86's
	 * shared-bit VM: OKVM_X86_SHARED_BIT_VM_TYPE()); set at creation,
	 * before the MMU takes them as its direct bits. 0: none.
	 */
	u64 gfn_shared_bits;
	/* GFN -> KVM_MEMORY_ATTRIBUTE_* (src/mem_attr.c); writers: slots_lock */
	struct xarray mem_attr_array;

	struct okvm_vm_stat stat;
	char stats_id[OKVM_STATS_NAME_SIZE];

	struct okvm_eventfds eventfds;	/* KVM_IOEVENTFD, KVM_IRQFD */

	struct okvm_vm_arch arch;
};

struct okvm_vcpu {
	struct okvm_vm *vm;
	u32 vcpu_id;			/* the id userspace chose */
	int vcpu_idx;			/* index in vm->vcpu_array */
	struct kvm_run *run;		/* one zeroed page, mmap()ed by userspace */
	/* Serializes vCPU ioctls, as KVM's vcpu->mutex does. */
	struct mutex mutex;
	bool wants_to_run;		/* KVM_RUN without immediate_exit */
	bool sigset_active;		/* KVM_SET_SIGNAL_MASK: @sigset in KVM_RUN */
	sigset_t sigset;

	/* Page-table pages topped up before a fault takes the MMU lock. */
	struct okvm_pt_cache mmu_cache;

	struct okvm_vcpu_stat stat;
	char stats_id[OKVM_STATS_NAME_SIZE];

	struct okvm_vcpu_arch arch;
};

/*
 * An inconsistency okvm can survive but the VM cannot: warn once, and fail
 * every later ioctl on the VM and its vCPUs with -EIO. Never BUG() a host.
 */
#define OKVM_BUG_ON(cond, vm)					\
({								\
	bool __ret = !!(cond);					\
								\
	if (WARN_ON_ONCE(__ret))				\
		WRITE_ONCE((vm)->dead, true);			\
	__ret;							\
})

/**
 * okvm_gpa_natural() - a guest-physical address as memslots know it
 * @vm: the VM
 * @gpa: an address the guest produced
 *
 * Return: @gpa without the VM's shared bit (x86's shared-bit VM type),
 * which only says that the access is a shared one.
 */
static inline u64 okvm_gpa_natural(const struct okvm_vm *vm, u64 gpa)
{
	return gpa & ~(vm->gfn_shared_bits << PAGE_SHIFT);
}

/**
 * okvm_vm_mmu_broken() - may no guest run on the VM's tables any more?
 * @vm: the VM
 *
 * After an OKVM_MMU_BUG_ON the engine changes no entry, so unmaps leave
 * stale translations of pages the host may free: the VM is dead. Checked
 * before every entry, after the vCPU announced it (the zap's flush hook
 * then either sees the vCPU in the guest and kicks it, or the vCPU sees
 * the flag).
 */
static inline bool okvm_vm_mmu_broken(struct okvm_vm *vm)
{
	if (likely(!READ_ONCE(vm->mmu.broken)))
		return false;
	WRITE_ONCE(vm->dead, true);
	return true;
}

void okvm_get_vm(struct okvm_vm *vm);
void okvm_put_vm(struct okvm_vm *vm);
int okvm_dev_create_vm(unsigned long type);
long okvm_check_extension(struct okvm_vm *vm, long ext);
int okvm_vm_create_vcpu(struct okvm_vm *vm, unsigned long id);
void okvm_vcpu_destroy(struct okvm_vcpu *vcpu);
int okvm_vm_set_memory_region(struct okvm_vm *vm,
			      const struct kvm_userspace_memory_region2 *mem);

/* Leak accounting (debugfs okvm/): live objects and pages okvm holds. */
extern atomic_t okvm_live_vms, okvm_live_vcpus;
extern atomic_long_t okvm_live_pages;

/* src/notifier.c, src/mmu/fault.c */
int okvm_mmu_notifier_register(struct okvm_vm *vm);
void okvm_mmu_notifier_unregister(struct okvm_vm *vm);
void okvm_zap_gfn_range(struct okvm_vm *vm, unsigned int roots, u64 gfn,
			u64 nr);
void okvm_mmu_invalidate_begin(struct okvm_vm *vm, unsigned long start,
			       unsigned long end);
void okvm_mmu_invalidate_end(struct okvm_vm *vm);

/* src/mem_attr.c */
u64 okvm_supported_mem_attributes(const struct okvm_vm *vm);
bool okvm_mem_is_private(struct okvm_vm *vm, u64 gfn);
int okvm_vm_set_memory_attributes(struct okvm_vm *vm,
				  const struct kvm_memory_attributes *attrs);
void okvm_mem_attr_init(struct okvm_vm *vm);
void okvm_mem_attr_destroy(struct okvm_vm *vm);

/* src/guest_memfd.c */
int okvm_gmem_init(void);
void okvm_gmem_exit(void);
int okvm_vm_create_guest_memfd(struct okvm_vm *vm,
			       const struct kvm_create_guest_memfd *args);
int okvm_gmem_bind(struct okvm_vm *vm, struct okvm_memslot *slot, u32 fd);
void okvm_gmem_unbind(struct okvm_vm *vm, const struct okvm_memslot *slot);
int okvm_gmem_fault_begin(const struct okvm_memslot *slot);
void okvm_gmem_fault_end(const struct okvm_memslot *slot);
int okvm_gmem_get_pfn(const struct okvm_memslot *slot, u64 gfn, u64 *pfn);

/* src/dirty.c */
int okvm_dirty_log_prepare(struct okvm_vm *vm,
			   const struct okvm_memslot *old,
			   struct okvm_memslot *new);
void okvm_dirty_log_flags_changed(struct okvm_vm *vm,
				  const struct okvm_memslot *old,
				  const struct okvm_memslot *new);
int okvm_dirty_log_enable_cap(struct okvm_vm *vm,
			      const struct kvm_enable_cap *cap);
int okvm_vm_clear_dirty_log(struct okvm_vm *vm,
			    const struct kvm_clear_dirty_log *log);
void okvm_dirty_log_release(const struct okvm_memslot *from,
			    const struct okvm_memslot *to);
void okvm_dirty_log_free_all(struct okvm_memslots *slots);
void okvm_mark_page_dirty(struct okvm_vm *vm, u64 gfn);
void okvm_slot_mark_dirty(const struct okvm_memslot *slot, u64 gfn);
int okvm_vm_get_dirty_log(struct okvm_vm *vm, const struct kvm_dirty_log *log);

/* src/guest_mem.c */
unsigned long okvm_guest_hva(struct okvm_vm *vm, u64 gpa, unsigned int len,
			     bool write, const struct okvm_memslot **slotp);
int okvm_read_guest(struct okvm_vm *vm, u64 gpa, void *buf, unsigned int len);
int okvm_write_guest(struct okvm_vm *vm, u64 gpa, const void *buf,
		     unsigned int len);

/* src/age_bitmap.c */
int okvm_vm_age_bitmap(struct okvm_vm *vm, void __user *argp);

#define OKVM_FAULT_MMIO	2	/* no memslot, or a write to a read-only one */
int okvm_mmu_page_fault(struct okvm_vcpu *vcpu, u64 gpa, bool write,
			bool present);
bool okvm_mmu_slot_can_map_2m(struct okvm_vm *vm, const struct okvm_memslot *slot,
			      u64 gfn);
int okvm_vcpu_pre_fault_memory(struct okvm_vcpu *vcpu,
			       struct kvm_pre_fault_memory *range);

static inline struct okvm_memslots *okvm_memslots(struct okvm_vm *vm)
{
	return srcu_dereference_check(vm->memslots, &vm->srcu,
				      lockdep_is_held(&vm->slots_lock));
}

#endif /* OKVM_H */
