#!/usr/bin/env bash
# `make run`: load the example organisation into ./ebcm.db and show what the store holds.
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
