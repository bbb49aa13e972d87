# SPDX-License-Identifier: GPL-2.0-only
#
# okvm: build the module for the running kernel, or run the test suite.
#   make                 okvm.ko for the running kernel (KDIR overrides)
#   make demo            okvm-vmm, then QEMU -accel kvm, in the QEMU test
#                        guest, on okvm and kvm_amd
#   make bench           benchmarks on okvm and kvm_amd in one guest boot
#   make profile         the benchmarks under perf, okvm and kvm_amd (needs perf)
#   make check           the whole test suite (see README.md)
#   make check-debug     okvm's tests under a KASAN/lockdep/kmemleak guest kernel
#   make kunit           the KUnit suites under UML only
#   make install         modules_install into the running kernel's tree
# The kernel build itself reads Kbuild.

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

check:
	scripts/check.sh

check-debug:
	scripts/check-debug.sh

kunit:
	scripts/kunit.sh

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh

profile:
	scripts/profile.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || \
		find . -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' | xargs rm -f

.PHONY: all modules install check check-debug kunit demo bench profile clean
