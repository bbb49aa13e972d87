/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * okvm's kernel-version compatibility layer, force-included into every
 * translation unit by Kbuild.
 *
 * The sources are written against the newest kernel okvm supports (6.12);
 * this header backfills older kernels (Debian's 6.1). Each shim tests a
 * feature where the kernel exposes one, a version only where it does not,
 * and says in one line what changed and when. Assembly files get it too
 * (the first section below); C gets the rest.
 */
#ifndef OKVM_COMPAT_H
#define OKVM_COMPAT_H

#ifdef __ASSEMBLY__
/*
 * 6.6 added UNTRAIN_RET_VM: return-thunk untraining after a VM exit, with
 * an IBPB where the kernel chose IBPB-on-VMEXIT for SRSO. 6.1 has the same
 * pieces (CALL_UNTRAIN_RET, entry_ibpb, X86_FEATURE_IBPB_ON_VMEXIT) but not
 * the macro; Kbuild probes asm/nospec-branch.h. An assembler macro, so
 * the ones it uses from <asm/nospec-branch.h> resolve where it is used.
 */
#ifndef OKVM_HAVE_UNTRAIN_RET_VM
#include <asm/cpufeatures.h>
.macro UNTRAIN_RET_VM
	ANNOTATE_UNRET_END
	CALL_UNTRAIN_RET
#ifdef CONFIG_CPU_IBPB_ENTRY
	ALTERNATIVE "", "call entry_ibpb", X86_FEATURE_IBPB_ON_VMEXIT
#endif
.endm
#endif
#else /* !__ASSEMBLY__ */

/*
 * Every okvm message names the module; defined here because this header
 * comes before any file's own includes (and so before printk.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/version.h>
#include <linux/types.h>
#include <linux/kvm.h>

/*
 * 6.3 added filemap_grab_folio(); 6.1's __filemap_get_folio() returns NULL
 * where the newer one returns an ERR_PTR. Kbuild probes linux/pagemap.h.
 */
#ifndef OKVM_HAVE_FILEMAP_GRAB_FOLIO
#define filemap_grab_folio(mapping, index)				\
({									\
	struct folio *__f = __filemap_get_folio(mapping, index,		\
			FGP_LOCK | FGP_ACCESSED | FGP_CREAT,		\
			mapping_gfp_mask(mapping));			\
	__f ?: ERR_PTR(-ENOMEM);					\
})
#endif

/* 6.3 passes inode operations a struct mnt_idmap, not a user_namespace. */
#ifdef OKVM_HAVE_MNT_IDMAP
#define okvm_idmap_t	struct mnt_idmap
#else
#define okvm_idmap_t	struct user_namespace
#endif

/* 6.7 added __counted_by() for flexible arrays; without it, no bounds hint. */
#ifndef __counted_by
#define __counted_by(member)
#endif

/*
 * Debian's 6.12.y backported the syscore change that passes a context
 * pointer to the callbacks and registers a struct syscore (upstream 6.18);
 * Kbuild probes the header and sets OKVM_HAVE_SYSCORE_DATA.
 */
#ifdef OKVM_HAVE_SYSCORE_DATA
#define OKVM_SYSCORE_PARAM	void *data
#define OKVM_DEFINE_SYSCORE(name, suspend_fn, resume_fn)		\
	static const struct syscore_ops name##_ops = {			\
		.suspend = suspend_fn, .resume = resume_fn,		\
	};								\
	static struct syscore name = { .ops = &name##_ops }
#define okvm_register_syscore(s)	register_syscore(s)
#define okvm_unregister_syscore(s)	unregister_syscore(s)
#else
#define OKVM_SYSCORE_PARAM	void
#define OKVM_DEFINE_SYSCORE(name, suspend_fn, resume_fn)		\
	static struct syscore_ops name = {				\
		.suspend = suspend_fn, .resume = resume_fn,		\
	}
#define okvm_register_syscore(s)	register_syscore_ops(s)
#define okvm_unregister_syscore(s)	unregister_syscore_ops(s)
#endif

/*
 * 6.8 dropped eventfd_signal()'s count (callers all passed 1). Kbuild
 * probes linux/eventfd.h.
 */
#ifdef OKVM_EVENTFD_SIGNAL_TAKES_COUNT
#define okvm_eventfd_signal(ctx)	eventfd_signal(ctx, 1)
#else
#define okvm_eventfd_signal(ctx)	eventfd_signal(ctx)
#endif

/*
 * 6.4 added pmdp_get_lockless(); before it, a 64-bit PMD entry is read in
 * one load (Kbuild probes include/linux/pgtable.h).
 */
#ifdef OKVM_NEED_PMDP_GET_LOCKLESS
#define pmdp_get_lockless(pmdp)	READ_ONCE(*(pmdp))
#endif

/*
 * The KVM ABI. okvm speaks KVM's uapi exactly; where the headers okvm is
 * built against predate a piece of it, the facts (numbers, layouts) are
 * supplied here so that one binary interface is offered on every kernel.
 */

/* 6.8 added guest_memfd and KVM_SET_USER_MEMORY_REGION2. */
#ifndef KVM_SET_USER_MEMORY_REGION2
struct kvm_userspace_memory_region2 {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};

#define KVM_SET_USER_MEMORY_REGION2 \
	_IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2)
#define KVM_MEM_GUEST_MEMFD		(1UL << 2)
#define KVM_CAP_USER_MEMORY2		231
#define KVM_CAP_MEMORY_FAULT_INFO	232
#define KVM_CAP_MEMORY_ATTRIBUTES	233
#define KVM_CAP_GUEST_MEMFD		234
#define KVM_CAP_VM_TYPES		235
#endif

/* 6.8 added KVM_CREATE_GUEST_MEMFD. */
#ifndef KVM_CREATE_GUEST_MEMFD
struct kvm_create_guest_memfd {
	__u64 size;
	__u64 flags;
	__u64 reserved[6];
};

#define KVM_CREATE_GUEST_MEMFD \
	_IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd)
#endif

/*
 * 6.8 added memory attributes and the memory-fault exit. 6.1's kvm_run
 * has no memory_fault member: okvm_run_memory_fault() gives the same
 * bytes (the start of the exit union).
 */
#ifndef KVM_SET_MEMORY_ATTRIBUTES
struct kvm_memory_attributes {
	__u64 address;
	__u64 size;
	__u64 attributes;
	__u64 flags;
};

#define KVM_SET_MEMORY_ATTRIBUTES \
	_IOW(KVMIO, 0xd2, struct kvm_memory_attributes)
#define KVM_MEMORY_ATTRIBUTE_PRIVATE	(1ULL << 3)
#endif
#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT		39
#define KVM_MEMORY_EXIT_FLAG_PRIVATE	(1ULL << 3)
#endif
struct okvm_memory_fault_exit {
	__u64 flags;
	__u64 gpa;
	__u64 size;
};
#define okvm_run_memory_fault(run) \
	((struct okvm_memory_fault_exit *)&(run)->hw)

/*
 * 6.8 named the word after kvm_run.hypercall.args "flags" (a union with
 * 6.1's longmode + pad) and defined its bits.
 */
#ifdef KVM_EXIT_HYPERCALL_LONG_MODE
#define okvm_run_hypercall_set_flags(run, f)	((run)->hypercall.flags = (f))
#else
#define KVM_EXIT_HYPERCALL_LONG_MODE		(1ULL << 0)
#define okvm_run_hypercall_set_flags(run, f)			\
	do {							\
		(run)->hypercall.longmode = (f);		\
		(run)->hypercall.pad = 0;			\
	} while (0)
#endif

/* 6.8 added the software-protected VM type. */
#ifndef KVM_X86_SW_PROTECTED_VM
#define KVM_X86_SW_PROTECTED_VM		1
#endif

/* 6.10 added KVM_PRE_FAULT_MEMORY. */
#ifndef KVM_PRE_FAULT_MEMORY
struct kvm_pre_fault_memory {
	__u64 gpa;
	__u64 size;
	__u64 flags;
	__u64 padding[5];
};

#define KVM_PRE_FAULT_MEMORY \
	_IOWR(KVMIO, 0xd5, struct kvm_pre_fault_memory)
#define KVM_CAP_PRE_FAULT_MEMORY	236
#endif

/* 6.11 made the APIC timer's bus period configurable. */
#ifndef KVM_CAP_X86_APIC_BUS_CYCLES_NS
#define KVM_CAP_X86_APIC_BUS_CYCLES_NS	237
#endif

/* 6.8 added VM types to x86 (KVM_CAP_VM_TYPES); type 0 is the default VM. */
#ifndef KVM_X86_DEFAULT_VM
#define KVM_X86_DEFAULT_VM		0
#endif

#ifndef KVM_SET_USER_MEMORY_REGION_V1_FLAGS
#define KVM_SET_USER_MEMORY_REGION_V1_FLAGS \
	(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)
#endif

/* 6.2 moved the valid-flag masks of the MSR exit/filter ABI into the uapi. */
#ifndef KVM_MSR_EXIT_REASON_VALID_MASK
#define KVM_MSR_EXIT_REASON_VALID_MASK	(KVM_MSR_EXIT_REASON_INVAL |	\
					 KVM_MSR_EXIT_REASON_UNKNOWN |	\
					 KVM_MSR_EXIT_REASON_FILTER)
#endif
#ifndef KVM_MSR_FILTER_RANGE_VALID_MASK
#define KVM_MSR_FILTER_RANGE_VALID_MASK	(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE)
#endif
#ifndef KVM_MSR_FILTER_VALID_MASK
#define KVM_MSR_FILTER_VALID_MASK	KVM_MSR_FILTER_DEFAULT_DENY
#endif

/*
 * 6.10 renamed kvm_run.immediate_exit for kernel code to
 * immediate_exit__unsafe (HINT_UNSAFE_IN_KVM): userspace may flip it at any
 * time, so it must be read exactly once with READ_ONCE().
 */
#ifdef HINT_UNSAFE_IN_KVM
#define okvm_run_immediate_exit(run) READ_ONCE((run)->immediate_exit__unsafe)
#else
#define okvm_run_immediate_exit(run) READ_ONCE((run)->immediate_exit)
#endif

/*
 * Whether the host's timekeeping runs on the TSC (then a host TSC value
 * names a point in host time, KVM_CLOCK_HOST_TSC). 6.1 does not name the
 * clocksource in a snapshot: there, a TSC nobody marked unstable is what
 * the kernel picks on x86. Used with <linux/timekeeping.h>, <asm/tsc.h>.
 */
#ifdef OKVM_HAVE_CSID_X86_TSC
#define okvm_snapshot_is_tsc(snap)	((snap)->cs_id == CSID_X86_TSC)
#else
#define okvm_snapshot_is_tsc(snap)					\
	((void)(snap), boot_cpu_has(X86_FEATURE_TSC) && !check_tsc_unstable())
#endif

#endif /* !__ASSEMBLY__ */
#endif /* OKVM_COMPAT_H */
