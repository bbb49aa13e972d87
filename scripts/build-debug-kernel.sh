#!/usr/bin/env bash
# Build the debug test guest's kernel from linux-source-6.12:
# x86_64_defconfig + kvm_guest.config + scripts/debug-kernel.config
# (KASAN, KFENCE, lockdep, UBSAN, kmemleak, fault injection, KCOV, ...);
# with argument "bench", make bench's kernel instead (below).
# Prints the kernel version, laid out like an unpacked Debian kernel so that
# the rest of the harness takes it as one more "kernel":
#   $OKVM_CACHE/kernels/<kver>/boot/vmlinuz-<kver>
#   $OKVM_CACHE/kernels/<kver>/lib/modules/<kver>/   (kvm, kvm_amd, ...)
#   $OKVM_CACHE/kernels/<kver>/usr/src/linux-headers-<kver> -> the build tree
# The version carries a hash of everything that shapes the build (the config
# fragments, the source version, the compiler), so a changed config builds
# a new kernel and a warm cache rebuilds nothing.
. "$(dirname "$0")/lib.sh"

src="$OKVM_CACHE/linux-source-6.12"
[ -f "$src/.done" ] || "$OKVM_TOP/scripts/fetch.sh" >/dev/null
frag="$OKVM_TOP/scripts/debug-kernel.config"

# Flavour "bench" (make bench): the same guest kernel without the
# detectors, whose costs would swamp what the benchmarks measure, and with
# CONFIG_IDLE_PAGE_TRACKING, which Debian's kernel lacks.
flavour=${1:-debug}
case $flavour in
debug)	tag=okvmdbg dir=debugk ;;
bench)	tag=okvmbench dir=benchk
	mkdir -p "$OKVM_CACHE/benchk"
	awk '/^# --- the detectors/ { skip = 1
			print "# --- what the benchmarks need (required) ---"
			print "CONFIG_IDLE_PAGE_TRACKING=y"; print ""; next }
	     /^# --- / { skip = 0 }
	     !skip' "$frag" >"$OKVM_CACHE/benchk/fragment.config"
	frag="$OKVM_CACHE/benchk/fragment.config" ;;
*)	die "unknown kernel flavour $flavour (debug, bench)" ;;
esac

key=$( { cat "$frag" "$src/arch/x86/configs/x86_64_defconfig" \
	     "$src/kernel/configs/kvm_guest.config"
	 sed -n 2,5p "$src/Makefile"; gcc --version | head -n1; } | md5sum | cut -c1-8)
ver=$(sed -nE 's/^(VERSION|PATCHLEVEL|SUBLEVEL) = //p' "$src/Makefile" | paste -sd.)
kver="$ver-$tag-$key"
kroot=$(okvm_kroot "$kver")
[ -f "$kroot/.done" ] && { echo "$kver"; exit 0; }

o="$OKVM_CACHE/$dir/$key"
mkdir -p "$o"
blog="$o/build.log"
log "building $flavour kernel $kver in $o (log: $blog)"
t0=$(date +%s)
{
	make -C "$src" O="$o" x86_64_defconfig kvm_guest.config
	sed "s/^CONFIG_LOCALVERSION=.*/CONFIG_LOCALVERSION=\"-$tag-$key\"/" "$frag" >"$o/okvm.config"
	"$src/scripts/kconfig/merge_config.sh" -m -O "$o" "$o/.config" "$o/okvm.config"
	make -C "$src" O="$o" olddefconfig
} >"$blog" 2>&1 || { tail -n 30 "$blog" >&2; die "$flavour kernel config failed"; }

# Kconfig silently drops what a dependency forbids: check the required part.
missing=0
while read -r line; do
	case "$line" in
	'# ---'*'not needed'*) break ;;
	CONFIG_*=*) grep -qxF "$line" "$o/.config" || { log "config: wanted $line, got: $(grep "^${line%%=*}=\|^# ${line%%=*} " "$o/.config" || echo unset)"; missing=1; } ;;
	'# CONFIG_'*' is not set') c=${line#\# }; c=${c%% *}
		! grep -q "^$c=" "$o/.config" || { log "config: wanted $c off"; missing=1; } ;;
	esac
done <"$o/okvm.config"
[ $missing = 0 ] || die "$flavour kernel config lacks required options (above)"

make -C "$src" O="$o" -j"$OKVM_JOBS" bzImage modules >>"$blog" 2>&1 ||
	{ tail -n 40 "$blog" >&2; die "$flavour kernel build failed"; }
rm -rf "$kroot"
mkdir -p "$kroot/boot" "$kroot/usr/src"
make -C "$src" O="$o" INSTALL_MOD_PATH="$kroot" modules_install >>"$blog" 2>&1 ||
	{ tail -n 20 "$blog" >&2; die "$flavour kernel modules_install failed"; }
cp "$o/arch/x86/boot/bzImage" "$kroot/boot/vmlinuz-$kver"
ln -sfn "$o" "$kroot/usr/src/linux-headers-$kver"
[ "$(cat "$o/include/config/kernel.release")" = "$kver" ] ||
	die "built $(cat "$o/include/config/kernel.release"), expected $kver"
touch "$kroot/.done"
log "$flavour kernel $kver built in $(( $(date +%s) - t0 )) s"
echo "$kver"
