// SPDX-License-Identifier: GPL-2.0-only
/*
 * Several vCPUs and VMs at once: two vCPUs of one VM (one stage-2 MMU)
 * whose threads hop between physical CPUs on every exit, and more VMs
 * than a small VMID space holds, run round-robin so that VMIDs are
 * reused (with okvm's vmid_bits=2, every few entries roll over). Each
 * guest reports a marker only it can see in its memory plus a counter:
 * a stale translation or a VMID mix-up shows as a wrong marker.
 */
#include <sched.h>
#include "kselftest_harness.h"
#include "lib/a64.h"

#define PSCI_0_2	(1U << KVM_ARM_VCPU_PSCI_0_2)

/* x0 = address of the marker; report marker + count over MMIO, forever. */
A64_GUEST(g_count,
	"movz x1, #0x1000, lsl #16\n"
	"mov x5, #0\n"
	"1: add x5, x5, #1\n"
	"ldr x2, [x0]\n"
	"add x2, x2, x5\n"
	"str x2, [x1]\n"
	"b 1b\n");

static uint64_t report(struct __test_metadata *_metadata, struct a64_vcpu *c)
{
	uint64_t val = 0, x2 = 0;

	EXPECT_EQ(a64_run(c), 0);
	EXPECT_EQ(c->run->exit_reason, KVM_EXIT_MMIO) TH_LOG("%s", a64_state(c));
	memcpy(&val, c->run->mmio.data, 8);
	/* g_count stores x2: the exit's data is x2 as the vCPU has it. */
	EXPECT_EQ(a64_get_reg(c, A64_X(2), &x2), 0);
	EXPECT_EQ(val, x2) TH_LOG("%s", a64_state(c));
	return val;
}

struct hopper {
	struct __test_metadata *md;
	struct a64_vcpu c;
	uint64_t marker;
	int errors;
};

static void *hop(void *arg)
{
	struct hopper *h = arg;
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), i;
	struct __test_metadata *_metadata = h->md;
	cpu_set_t set;

	for (i = 1; i <= 200; i++) {
		CPU_ZERO(&set);
		CPU_SET(i % ncpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
		if (report(_metadata, &h->c) != h->marker + i)
			h->errors++;
	}
	return NULL;
}

TEST(two_vcpus_hop_between_cpus)
{
	struct hopper h[2] = {};
	struct a64_vm v;
	pthread_t t[2];
	int i;

	ASSERT_EQ(a64_vm_create(&v, 0, 1 << 20), 0);
	memcpy(v.mem, g_count_start, g_count_end - g_count_start);
	for (i = 0; i < 2; i++) {
		h[i].md = _metadata;
		h[i].marker = 0x1000000 * (i + 1);
		memcpy(v.mem + 0x1000 * (i + 1), &h[i].marker, 8);
		ASSERT_EQ(a64_vcpu_create(&v, &h[i].c, i, PSCI_0_2), 0);
		ASSERT_EQ(a64_set_reg(&h[i].c, A64_PC, A64_RAM_GPA), 0);
		ASSERT_EQ(a64_set_reg(&h[i].c, A64_X(0),
				      A64_RAM_GPA + 0x1000 * (i + 1)), 0);
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, hop, &h[i]), 0);
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(h[i].errors, 0);
		a64_vcpu_destroy(&h[i].c);
	}
	a64_vm_destroy(&v);
}

#define NR_VMS	7

TEST(more_vms_than_vmids_round_robin)
{
	const char *rollovers = "/sys/module/okvm/parameters/vmid_rollovers";
	struct a64_vcpu c[NR_VMS];
	struct a64_vm v[NR_VMS];
	long before = okvm_read_number(rollovers);
	uint64_t marker;
	int i, round;

	for (i = 0; i < NR_VMS; i++) {
		ASSERT_EQ(a64_vm_create(&v[i], 0, 1 << 20), 0);
		ASSERT_EQ(a64_vcpu_create(&v[i], &c[i], 0, PSCI_0_2), 0);
		ASSERT_EQ(a64_load(&v[i], &c[i], g_count_start, g_count_end, 0), 0);
		marker = 0x100000000ULL * (i + 1);
		memcpy(v[i].mem + 0x1000, &marker, 8);
		ASSERT_EQ(a64_set_reg(&c[i], A64_X(0), A64_RAM_GPA + 0x1000), 0);
	}
	for (round = 1; round <= 20; round++)
		for (i = 0; i < NR_VMS; i++)
			ASSERT_EQ(report(_metadata, &c[i]),
				  0x100000000ULL * (i + 1) + round)
				TH_LOG("VM %d round %d: %s", i, round,
				       a64_state(&c[i]));
	/* okvm with 2-bit VMIDs (3 for guests): this must have rolled over. */
	if (okvm_read_number("/sys/module/okvm/parameters/vmid_bits") == 2)
		EXPECT_GT(okvm_read_number(rollovers), before);
	for (i = 0; i < NR_VMS; i++) {
		a64_vcpu_destroy(&c[i]);
		a64_vm_destroy(&v[i]);
	}
}

TEST_HARNESS_MAIN
