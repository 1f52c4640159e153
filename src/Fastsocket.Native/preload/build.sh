#!/usr/bin/env bash
# Builds the LD_PRELOAD interposer against a published libfastsocket.so:
#   src/Fastsocket.Native/preload/build.sh OUT      # OUT holds libfastsocket.so (dotnet publish ... -o OUT)
# and writes OUT/libfastsocket-preload.so, which finds libfastsocket.so beside itself ($ORIGIN).
set -euo pipefail
out=${1:?usage: build.sh OUT-folder-with-libfastsocket.so}
here=$(cd "$(dirname "$0")" && pwd)
[[ -f $out/libfastsocket.so ]] || { echo "no $out/libfastsocket.so: publish src/Fastsocket.Native first" >&2; exit 1; }
gcc -O2 -Wall -Wextra -Werror -fPIC -shared -o "$out/libfastsocket-preload.so" \
    "$here/fastsocket-preload.c" "$here/preload-deferred.c" "$here/preload-wait.c" \
    -L"$out" -lfastsocket -Wl,-rpath,'$ORIGIN' -ldl -lpthread
echo "$out/libfastsocket-preload.so"
