// SPDX-License-Identifier: GPL-2.0-only
/*
 * Coalesced MMIO and port I/O (KVM_CAP_COALESCED_MMIO, _PIO).
 *
 * Userspace names zones of guest-physical or port space whose writes it
 * does not need to see at once (a framebuffer, a port-0x80 POST code).
 * A write that falls completely inside a zone is appended to a per-VM
 * ring page instead of exiting; userspace drains the ring on its next
 * exit. The ring is mapped through every vCPU fd at
 * KVM_COALESCED_MMIO_PAGE_OFFSET, as in KVM.
 *
 * KVM keeps zones as devices on its I/O buses; okvm keeps one list per VM.
 * Its semantics are KVM's: a zone's size is not checked, a zone stays
 * whole until an unregister range falls inside it (then the whole zone
 * goes: KVM does not split zones), at most NR_IOBUS_DEVS zones per space
 * (-ENOSPC), and unregistering something unknown is not an error.
 */
#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "coalesced.h"
#include "okvm.h"

/* KVM's NR_IOBUS_DEVS: the zones (and devices) one KVM bus takes. */
#define OKVM_COALESCED_MAX_ZONES	1000

struct okvm_coalesced_zone {
	struct list_head list;
	struct kvm_coalesced_mmio_zone zone;
};

struct okvm_coalesced {
	struct kvm_coalesced_mmio_ring *ring;	/* one page, shared with userspace */
	/*
	 * Protects @zones, @nr_zones and the kernel's side of the ring
	 * (filling an entry and moving ->last). A spinlock: the write path
	 * runs in KVM_RUN between guest entries and must not sleep on a
	 * register/unregister that allocates.
	 */
	spinlock_t lock;
	struct list_head zones;
	unsigned int nr_zones[2];		/* MMIO, PIO */
};

/**
 * okvm_coalesced_init() - allocate a VM's ring and empty zone list
 * @vm: the VM being created
 *
 * Return: 0 or -ENOMEM, with nothing allocated on failure.
 */
int okvm_coalesced_init(struct okvm_vm *vm)
{
	struct okvm_coalesced *c;
	struct page *page;

	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return -ENOMEM;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		kfree(c);
		return -ENOMEM;
	}
	atomic_long_inc(&okvm_live_pages);
	c->ring = page_address(page);
	spin_lock_init(&c->lock);
	INIT_LIST_HEAD(&c->zones);
	vm->arch.coalesced = c;
	return 0;
}

/* VM destruction (or a failed creation): nothing can use the ring now. */
void okvm_coalesced_free(struct okvm_vm *vm)
{
	struct okvm_coalesced *c = vm->arch.coalesced;
	struct okvm_coalesced_zone *z, *tmp;

	if (!c)
		return;
	list_for_each_entry_safe(z, tmp, &c->zones, list)
		kfree(z);
	free_page((unsigned long)c->ring);
	atomic_long_dec(&okvm_live_pages);
	kfree(c);
	vm->arch.coalesced = NULL;
}

/*
 * The ring page for the vCPU fd's mmap. Mapping it into userspace pins
 * the page (get_page() in the fault handler), so it outlives the VM if a
 * mapping does.
 */
struct page *okvm_coalesced_ring_page(struct okvm_vm *vm)
{
	return virt_to_page(vm->arch.coalesced->ring);
}

/* [addr, addr + len) lies completely inside @zone (KVM's test, verbatim). */
static bool zone_contains(const struct kvm_coalesced_mmio_zone *zone,
			  u64 addr, u64 len)
{
	return addr + len >= addr && addr >= zone->addr &&
	       addr + len <= zone->addr + zone->size;
}

/**
 * okvm_coalesced_register() - KVM_REGISTER_COALESCED_MMIO
 * @vm: the VM
 * @zone: the zone userspace passed
 *
 * Return: 0, -EINVAL for a @zone->pio other than 0 or 1, -ENOSPC when the
 * space already has KVM's maximum of zones, -ENOMEM.
 */
int okvm_coalesced_register(struct okvm_vm *vm,
			    const struct kvm_coalesced_mmio_zone *zone)
{
	struct okvm_coalesced *c = vm->arch.coalesced;
	struct okvm_coalesced_zone *z;
	int r = 0;

	if (zone->pio != 0 && zone->pio != 1)
		return -EINVAL;
	z = kzalloc(sizeof(*z), GFP_KERNEL_ACCOUNT);
	if (!z)
		return -ENOMEM;
	z->zone = *zone;

	spin_lock(&c->lock);
	if (c->nr_zones[zone->pio] >= OKVM_COALESCED_MAX_ZONES) {
		r = -ENOSPC;
	} else {
		list_add_tail(&z->list, &c->zones);
		c->nr_zones[zone->pio]++;
		z = NULL;
	}
	spin_unlock(&c->lock);
	kfree(z);
	return r;
}

/**
 * okvm_coalesced_unregister() - KVM_UNREGISTER_COALESCED_MMIO
 * @vm: the VM
 * @zone: the range userspace passed
 *
 * Removes every zone of the same space that contains the whole range.
 *
 * Return: 0 (also when nothing matched), or -EINVAL for a bad @zone->pio.
 */
int okvm_coalesced_unregister(struct okvm_vm *vm,
			      const struct kvm_coalesced_mmio_zone *zone)
{
	struct okvm_coalesced *c = vm->arch.coalesced;
	struct okvm_coalesced_zone *z, *tmp;
	LIST_HEAD(dead);

	if (zone->pio != 0 && zone->pio != 1)
		return -EINVAL;

	spin_lock(&c->lock);
	list_for_each_entry_safe(z, tmp, &c->zones, list) {
		if (z->zone.pio == zone->pio &&
		    zone_contains(&z->zone, zone->addr, zone->size)) {
			list_move(&z->list, &dead);
			c->nr_zones[zone->pio]--;
		}
	}
	spin_unlock(&c->lock);

	list_for_each_entry_safe(z, tmp, &dead, list)
		kfree(z);
	return 0;
}

/**
 * okvm_coalesced_write() - append a guest write to the ring if it may be
 * @vm: the VM
 * @pio: port space (true) or guest-physical space
 * @addr: the port or GPA written
 * @len: bytes per element, at most 8
 * @data: @count elements of @len bytes
 * @count: elements (a string OUTS), at least 1
 *
 * All @count elements go in, or none: a string write that does not fit
 * exits whole, so userspace sees each element exactly once.
 *
 * Return: true if the write was taken, false if it must exit as usual
 * (outside every zone, or the ring full, leaving one entry free as KVM).
 */
bool okvm_coalesced_write(struct okvm_vm *vm, bool pio, u64 addr,
			  unsigned int len, const void *data, unsigned int count)
{
	struct okvm_coalesced *c = vm->arch.coalesced;
	struct kvm_coalesced_mmio_ring *ring = c->ring;
	struct okvm_coalesced_zone *z;
	bool found = false;
	u32 first, last;
	unsigned int i;

	if (len > sizeof(ring->coalesced_mmio[0].data) || !count)
		return false;

	spin_lock(&c->lock);
	list_for_each_entry(z, &c->zones, list) {
		if (z->zone.pio == pio && zone_contains(&z->zone, addr, len)) {
			found = true;
			break;
		}
	}
	if (!found)
		goto out;

	/* Userspace owns ->first and may have put anything in ->last. */
	last = READ_ONCE(ring->last);
	first = READ_ONCE(ring->first);
	if (last >= KVM_COALESCED_MMIO_MAX) {
		found = false;
		goto out;
	}
	/*
	 * KVM's full test, element by element: the entry after the one
	 * filled must not be ->first (an empty ring is first == last).
	 */
	for (i = 1; i <= count; i++) {
		if ((last + i) % KVM_COALESCED_MMIO_MAX == first) {
			found = false;
			goto out;
		}
	}
	for (i = 0; i < count; i++) {
		struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[last];

		e->phys_addr = addr;
		e->len = len;
		e->pio = pio;
		memcpy(e->data, data + i * len, len);
		last = (last + 1) % KVM_COALESCED_MMIO_MAX;
	}
	/* The entries before the index that publishes them. */
	smp_wmb();
	WRITE_ONCE(ring->last, last);
out:
	spin_unlock(&c->lock);
	return found;
}

/* KVM_REGISTER/UNREGISTER_COALESCED_MMIO (arch.c's VM ioctl table). */
long okvm_coalesced_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
			     void __user *argp)
{
	struct kvm_coalesced_mmio_zone zone;

	if (copy_from_user(&zone, argp, sizeof(zone)))
		return -EFAULT;
	if (ioctl == KVM_REGISTER_COALESCED_MMIO)
		return okvm_coalesced_register(vm, &zone);
	return okvm_coalesced_unregister(vm, &zone);
}
