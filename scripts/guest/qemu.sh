# shellcheck shell=sh
# The "qemu" suite of scripts/guest/run.sh (sourced by it: uses result
# and rc): Debian's QEMU with -accel kvm boots the same Debian
# kernel as a nested guest (1 vCPU, 256 MiB, default pc machine and
# devices, SeaBIOS first) with scripts/guest/l2-init, in each irqchip mode,
# on okvm (loaded with kvm_dev=1, so QEMU finds it at /dev/kvm) and then
# on kvm_amd. A run passes when QEMU exits 0 after the
# nested init printed every marker and the block write reached the image.
# Results: "qemu-<mode>" per target (okvm's count, kvm_amd's are the
# reference). "OKVM-QEMU-TIME <target> <mode> <s>" gives each run's wall
# time (QEMU start to exit, in the TCG test guest).
# A quick loop: OKVM_PICK (okvmpick= on the outer command line) may name
# the modes to run, "verbose" (the nested kernel without "quiet") and
# "profile" (where the nested guest spends its time: qemu_profile).
# OKVM_QEMU_REF_MODES (comma-separated, from the kernel command line)
# narrows the modes kvm_amd runs. guest.sh gives this suite one outer CPU
# (a QEMU 7.2 TCG bug deadlocks nested guests with two: docs/testing.md).
Q=/okvm/qemu
QTIMEOUT=${OKVM_QEMU_TIMEOUT:-180}
QMODES="default split off"
QQUIET=quiet
QPROFILE=
if [ -n "${OKVM_PICK:-}" ]; then
	QMODES=
	for w in $(echo "$OKVM_PICK" | tr , ' '); do
		case $w in
		verbose) QQUIET= ;;
		profile) QPROFILE=1 ;;
		*) QMODES="$QMODES $w" ;;
		esac
	done
fi

up() { cut -d' ' -f1 /proc/uptime; }

# OKVM_PICK=...,profile: the nested vCPU's RIP, read through QEMU's
# monitor about 8 times a second (each "info registers" also stops the
# vCPU for a moment, on either hypervisor), counted by kernel function.
# The nested kernel is this one, booted with nokaslr as this one is, so
# /proc/kallsyms here names its addresses. Crude, but it found the
# split-irqchip boot's seconds in the I/O APIC (docs/testing.md).
qemu_profile_start() {	# monitor-fifo-prefix qemu-pid regs-file
	cat <&4 >"$3" &
	QPROF_CAT=$!
	(while kill -0 "$2" 2>/dev/null; do
		printf 'info registers\n' 1<>"$1.in"
		sleep 0.1
	done) &
}

qemu_profile_end() {	# target mode regs-file
	sleep 0.5
	kill "$QPROF_CAT"
	grep -o 'RIP=[0-9a-f]*' "$3" | cut -d= -f2 | sort >/tmp/qprof.rips
	echo "OKVM-QEMU-PROFILE $1 $2 samples $(wc -l </tmp/qprof.rips)"
	grep -i ' t ' /proc/kallsyms | sort >/tmp/qprof.syms
	# Addresses are 16 hex digits: string order is numeric order.
	awk 'NR == FNR { a[n] = $1; s[n++] = $3; next }
	     {
		lo = 0; hi = n - 1; b = -1
		while (lo <= hi) {
			m = int((lo + hi) / 2)
			if (a[m] <= $1) { b = m; lo = m + 1 } else hi = m - 1
		}
		c[b < 0 || substr($1, 1, 8) != "ffffffff" ? "(not the kernel)" : s[b]]++
	     }
	     END { for (k in c) print c[k], k }' /tmp/qprof.syms /tmp/qprof.rips |
		sort -rn | head -n 15 | sed "s/^/OKVM-QEMU-PROFILE $1 $2 /"
}

# The counters each run prints (KVM's names; okvm has the same): the
# vCPU's exits and the VM's mappings by size.
QSTATS=exits,irq_window_exits,irq_exits,halt_exits,io_exits,mmio_exits,pages_4k,pages_2m

# "OKVM-QEMU-STATS <target> <mode> name=value ...": the last sample of
# each counter that the monitor's answers (read from fd 4) hold.
qemu_stats() {	# target mode
	timeout 1 cat <&4 | tr -d '\r' | awk -v t="$1" -v m="$2" -v names="$QSTATS" '
		$2 ~ /^\((cumulative|instant)/ { v[$1] = $NF }
		END {
			n = split(names, k, ",")
			line = "OKVM-QEMU-STATS " t " " m
			for (i = 1; i <= n; i++)
				line = line " " k[i] "=" (k[i] in v ? v[k[i]] : "-")
			print line
		}'
}

# What a QEMU that missed its deadline was doing, before it is killed:
# its threads' states and kernel stacks (a thread stuck in okvm shows
# there), and, through its monitor, the nested vCPU's registers and code
# (a nested guest that hangs shows there; the monitor does not answer when
# the vCPU thread cannot leave KVM_RUN).
qemu_hang_report() {	# pid monitor-fifo-prefix tag
	local pid=$1 mon=$2 tag=$3 t
	echo "OKVM-NOTE $tag: QEMU missed its ${QTIMEOUT} s deadline"
	for t in /proc/"$pid"/task/*; do
		echo "OKVM-HANG $tag thread $(cut -d' ' -f2,3 "$t/stat") wchan $(cat "$t/wchan")"
		sed "s/^/OKVM-HANG $tag   /" "$t/stack"
	done
	# Opened read-write: never blocks, even when QEMU has just exited.
	# shellcheck disable=SC2016 # $pc is the monitor's
	printf 'info registers\nx/8i $pc\ninfo pic\ninfo lapic\n' 1<>"$mon.in"
	# The monitor echoes each command with terminal escapes: dropped.
	timeout 5 cat "$mon.out" | tr -d '\r' | grep -av "$(printf '\033')" |
		sed "s/^/OKVM-HANG $tag mon: /"
	dmesg | tail -n 20 | sed "s/^/OKVM-HANG $tag dmesg: /"
}

# Wait for QEMU (pid $1) until $QTIMEOUT s have passed; then report and
# kill it. Returns its exit status, 137 when killed, 124 when not even
# SIGKILL ended it (a thread stuck in the kernel: it is left behind).
# Every 2 s it asks the monitor for the vCPU's exit counters (read by
# qemu_stats): the last answer before QEMU exits is the run's.
qemu_wait() {	# pid monitor-fifo-prefix tag
	local pid=$1 mon=$2 tag=$3 n=0 limit=$((QTIMEOUT * 5))
	while kill -0 "$pid" 2>/dev/null; do
		# All counters: the monitor echoes a command with a redraw per
		# character, so a short one keeps the pipe (64 KiB) from
		# filling before qemu_stats reads it.
		[ $((n % 10)) = 5 ] &&
			printf 'info stats vcpu\ninfo stats vm\n' 1<>"$mon.in"
		if [ $n -ge $limit ]; then
			qemu_hang_report "$pid" "$mon" "$tag"
			kill -KILL "$pid"
			n=0
			while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do
				sleep 0.2; n=$((n + 1))
			done
			if kill -0 "$pid" 2>/dev/null; then
				echo "OKVM-NOTE $tag: QEMU survives SIGKILL"
				qemu_hang_report "$pid" "$mon" "$tag"
				return 124
			fi
			break
		fi
		sleep 0.2
		n=$((n + 1))
	done
	wait "$pid"
}

qemu_boot() {	# target mode(default|split|off)
	local target=$1 mode=$2 name=qemu-$2 log=/tmp/l2-$1-$2.log
	local mon=/tmp/qmon-$1-$2
	local machine=pc magic t0 code ok=1 m qpid
	[ "$mode" = default ] || machine="pc,kernel-irqchip=$mode"
	magic=okvm$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
	dd if=/dev/zero of=/tmp/l2disk.img bs=1M count=1 2>/dev/null
	printf '%s' "$magic" | dd of=/tmp/l2disk.img conv=notrunc 2>/dev/null
	echo "OKVM-RUN $target $name"
	rm -f "$mon.in" "$mon.out"
	mkfifo "$mon.in" "$mon.out"
	t0=$(up)
	/usr/bin/qemu-system-x86_64 \
		-L /usr/share/qemu -L /usr/share/seabios \
		-accel kvm -machine "$machine" -smp 1 -m 256 \
		-nographic -no-reboot -monitor "pipe:$mon" -serial stdio -nic none \
		-drive file=/tmp/l2disk.img,format=raw,if=virtio \
		-kernel $Q/vmlinuz -initrd $Q/l2.cpio.gz \
		-append "console=ttyS0 $QQUIET panic=-1 ${QPROFILE:+nokaslr }l2magic=$magic" \
		</dev/null >"$log" 2>&1 &
	qpid=$!
	# Held open (read-write never blocks) so that the monitor's answers
	# outlive QEMU for qemu_stats; opened after QEMU started, which does
	# not inherit it.
	exec 4<>"$mon.out"
	[ -z "$QPROFILE" ] || qemu_profile_start "$mon" "$qpid" "/tmp/qprof-$target-$mode"
	qemu_wait "$qpid" "$mon" "$target $name"
	code=$?
	echo "OKVM-QEMU-TIME $target $mode $(awk -v a="$t0" -v b="$(up)" \
		'BEGIN { printf "%.1f", b - a }') s rc=$code"
	if [ -n "$QPROFILE" ]; then
		qemu_profile_end "$target" "$mode" "/tmp/qprof-$target-$mode"
	else
		qemu_stats "$target" "$mode"
	fi
	exec 4<&-
	tr -d '\r' <"$log" | sed 's/^/L2| /'
	for m in L2-BEGIN L2-TIMER-OK L2-BLK-READ-OK L2-BLK-WRITE-DONE L2-POWEROFF; do
		# Unanchored: SeaBIOS's terminal escapes precede the first line.
		grep -q "$m" "$log" || { echo "OKVM-NOTE $target $name: no $m"; ok=0; }
	done
	if ! dd if=/tmp/l2disk.img bs=512 skip=8 count=1 2>/dev/null |
	     grep -q "L2-WROTE-$magic"; then
		echo "OKVM-NOTE $target $name: the block write did not reach the image"
		ok=0
	fi
	[ $code = 0 ] || { echo "OKVM-NOTE $target $name: QEMU exit code $code"; ok=0; }
	if [ $ok = 1 ]; then
		result "$target" "$name" PASS
	else
		# Where it stopped: the first line QEMU printed, its first own
		# error line, and the last line.
		echo "OKVM-QEMU-STOP $target $mode: first: $(tr -d '\r' <"$log" | head -n1)"
		echo "OKVM-QEMU-STOP $target $mode: error: $(grep -m1 'qemu-system-x86_64:' "$log")"
		echo "OKVM-QEMU-STOP $target $mode: last: $(tr -d '\r' <"$log" | tail -n1)"
		result "$target" "$name" FAIL
	fi
}

qemu_suite() {
	local mode
	# okvm as /dev/kvm (kvm_dev=1): devtmpfs makes the node with KVM's
	# numbers, and QEMU, which opens /dev/kvm by path, reaches okvm.
	rm -f /dev/kvm
	if insmod /okvm/okvm.ko kvm_dev=1; then
		result okvm module_load PASS
		okvm_sections
		if [ "$(cat /sys/class/misc/kvm/dev)" = 10:232 ] && [ -c /dev/kvm ] &&
		   [ "$(stat -c %t:%T /dev/kvm)" = a:e8 ] && [ ! -e /dev/okvm ]; then
			result okvm kvm_dev_node PASS
		else
			ls -l /dev/kvm /dev/okvm; cat /sys/class/misc/kvm/dev
			result okvm kvm_dev_node FAIL
		fi
		for mode in $QMODES; do qemu_boot okvm "$mode"; done
		# In-tree KVM cannot take over while okvm holds SVM and the
		# minor. Before 6.12 it enables SVM only per VM, so what refuses
		# it is the minor, late in kvm_init(), whose error path there
		# leaves a registration behind: the next kvm_amd load in the
		# same boot hits a BUG (list double add, seen on 6.1). So the
		# refusal is tried only where SVM refuses it first.
		case $(uname -r) in
		[0-5].*|6.[0-9].*|6.1[01].*)
			echo "OKVM-NOTE kvm_dev_exclusive not tried on $(uname -r): in-tree kvm_init() leaves state behind when the minor is taken" ;;
		*)
			if sh /okvm/kvm/load.sh 2>/dev/null; then
				result okvm kvm_dev_exclusive FAIL
				rmmod kvm_amd
			else
				result okvm kvm_dev_exclusive PASS
			fi ;;
		esac
		if rmmod okvm; then result okvm module_unload PASS; else result okvm module_unload FAIL; fi
		if [ -e /dev/kvm ]; then result okvm kvm_dev_node_gone FAIL; else result okvm kvm_dev_node_gone PASS; fi
	else
		result okvm module_load FAIL
	fi
	if sh /okvm/kvm/load.sh; then
		for mode in $(echo "${OKVM_QEMU_REF_MODES:-$QMODES}" | tr , ' '); do
			qemu_boot kvm_amd "$mode"
		done
		rmmod kvm_amd kvm
	else
		result kvm_amd module_load FAIL
	fi
}
