#!/usr/bin/env bash
# Build the debug test guest's kernel from linux-source-6.12:
# x86_64_defconfig + kvm_guest.config + scripts/debug-kernel.config
# (KASAN, KFENCE, lockdep, UBSAN, kmemleak, fault injection, KCOV, ...).
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

key=$( { cat "$frag" "$src/arch/x86/configs/x86_64_defconfig" \
	     "$src/kernel/configs/kvm_guest.config"
	 sed -n 2,5p "$src/Makefile"; gcc --version | head -n1; } | md5sum | cut -c1-8)
ver=$(sed -nE 's/^(VERSION|PATCHLEVEL|SUBLEVEL) = //p' "$src/Makefile" | paste -sd.)
kver="$ver-okvmdbg-$key"
kroot=$(okvm_kroot "$kver")
[ -f "$kroot/.done" ] && { echo "$kver"; exit 0; }

o="$OKVM_CACHE/debugk/$key"
mkdir -p "$o"
blog="$o/build.log"
log "building debug kernel $kver in $o (log: $blog)"
t0=$(date +%s)
{
	make -C "$src" O="$o" x86_64_defconfig kvm_guest.config
	sed "s/^CONFIG_LOCALVERSION=.*/CONFIG_LOCALVERSION=\"-okvmdbg-$key\"/" "$frag" >"$o/okvm.config"
	"$src/scripts/kconfig/merge_config.sh" -m -O "$o" "$o/.config" "$o/okvm.config"
	make -C "$src" O="$o" olddefconfig
} >"$blog" 2>&1 || { tail -n 30 "$blog" >&2; die "debug kernel config failed"; }

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
[ $missing = 0 ] || die "debug kernel config lacks required options (above)"

make -C "$src" O="$o" -j"$OKVM_JOBS" bzImage modules >>"$blog" 2>&1 ||
	{ tail -n 40 "$blog" >&2; die "debug kernel build failed"; }
rm -rf "$kroot"
mkdir -p "$kroot/boot" "$kroot/usr/src"
make -C "$src" O="$o" INSTALL_MOD_PATH="$kroot" modules_install >>"$blog" 2>&1 ||
	{ tail -n 20 "$blog" >&2; die "debug kernel modules_install failed"; }
cp "$o/arch/x86/boot/bzImage" "$kroot/boot/vmlinuz-$kver"
ln -sfn "$o" "$kroot/usr/src/linux-headers-$kver"
[ "$(cat "$o/include/config/kernel.release")" = "$kver" ] ||
	die "built $(cat "$o/include/config/kernel.release"), expected $kver"
touch "$kroot/.done"
log "debug kernel $kver built in $(( $(date +%s) - t0 )) s"
echo "$kver"
