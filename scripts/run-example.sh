#!/usr/bin/env bash
# `make run`: load the example organisation into ./ebcm.db, show what the store holds and what
# one scenario does, then serve it: the API, sign-in and the status page on 127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
ebcm=build/ebcm
db=${EBCM_DB:-sqlite:ebcm.db}

$ebcm validate examples/contoso.yaml
$ebcm import examples/contoso.yaml --db "$db" -m "make run: the example organisation"
echo
$ebcm summary --db "$db"
echo
$ebcm history --db "$db" -n 5
echo
$ebcm impact --db "$db" --scenario adfs-outage
echo
listen=${EBCM_LISTEN:-127.0.0.1:8080}
echo "Starting the server on $listen (Ctrl-C stops it). The status page: http://$listen/status"
echo "The first start creates the admin account and prints its password once; after that,"
echo "\`$ebcm user password admin --db $db\` sets a new one."
exec $ebcm serve --db "$db" --listen "$listen"
