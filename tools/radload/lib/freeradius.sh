# Sourced by tools/radload/run.sh. Not a script of its own.
# shellcheck shell=bash
# ---------------------------------------------------------------------------------------------- FreeRADIUS config
# A private, minimal configuration for Debian's FreeRADIUS 3.2 (nothing from /etc/freeradius is read): one auth
# listener on 127.0.0.1, one client 127.0.0.1 with require_message_authenticator, the users file given, PAP, MSCHAP,
# and EAP with PEAP(MSCHAPv2) and TTLS over TLS 1.2 with the certificate the appliance is given. The thread pool is
# Debian's default (start 5, max 32). Replies are signed with Message-Authenticator as the appliance's are.
write_freeradius_conf() { # dir, auth port, users file, secret, cert dir
    local dir=$1 port=$2 users=$3 secret=$4 certs=$5
    mkdir -p "$dir/log" "$dir/run"
    cp "$users" "$dir/users"
    cat >"$dir/radiusd.conf" <<EOF
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
logdir = $dir/log
raddbdir = $dir
radacctdir = $dir/log
name = freeradius
confdir = $dir
modconfdir = $dir
certdir = $certs
cadir = $certs
run_dir = $dir/run
db_dir = $dir
libdir = /usr/lib/freeradius
pidfile = $dir/run/freeradius.pid
correct_escapes = true
max_request_time = 30
cleanup_delay = 5
max_requests = 16384
hostname_lookups = no
proxy_requests = no

log {
    destination = files
    colourise = no
    file = $dir/log/radius.log
    syslog_facility = daemon
    stripped_names = no
    auth = no
}

security {
    allow_core_dumps = no
    max_attributes = 200
    reject_delay = 0
    status_server = yes
}

thread pool {
    start_servers = 5
    max_servers = 32
    min_spare_servers = 3
    max_spare_servers = 10
    max_requests_per_server = 0
    auto_limit_acct = no
}

client bench {
    ipaddr = 127.0.0.1
    secret = "$secret"
    require_message_authenticator = yes
    nas_type = other
}

modules {
    pap {
        normalise = yes
    }
    mschap {
    }
    files {
        filename = $dir/users
        key = "%{%{Stripped-User-Name}:-%{User-Name}}"
    }
    eap {
        default_eap_type = peap
        timer_expire = 60
        ignore_unknown_eap_types = no
        cisco_accounting_username_bug = no
        max_sessions = \${max_requests}
        tls-config tls-common {
            private_key_file = $certs/server.key
            certificate_file = $certs/server-chain.pem
            ca_file = $certs/ca.pem
            cipher_list = "DEFAULT"
            cipher_server_preference = no
            tls_min_version = "1.2"
            tls_max_version = "1.2"
            ecdh_curve = ""
            fragment_size = 1024
            include_length = yes
            check_crl = no
            cache {
                enable = no
            }
            verify {
            }
            ocsp {
                enable = no
            }
        }
        ttls {
            tls = tls-common
            default_eap_type = mschapv2
            copy_request_to_tunnel = no
            use_tunneled_reply = no
            virtual_server = "inner-tunnel"
        }
        peap {
            tls = tls-common
            default_eap_type = mschapv2
            copy_request_to_tunnel = no
            use_tunneled_reply = no
            virtual_server = "inner-tunnel"
        }
        mschapv2 {
        }
    }
}

server default {
    listen {
        type = auth
        ipaddr = 127.0.0.1
        port = $port
    }
    authorize {
        eap {
            ok = return
        }
        files
        pap
    }
    authenticate {
        Auth-Type PAP {
            pap
        }
        eap
    }
    post-auth {
        update reply {
            &Message-Authenticator := 0x00
        }
        Post-Auth-Type REJECT {
            eap
        }
    }
}

server inner-tunnel {
    authorize {
        mschap
        eap {
            ok = return
        }
        files
        pap
    }
    authenticate {
        Auth-Type PAP {
            pap
        }
        Auth-Type MS-CHAP {
            mschap
        }
        eap
    }
    post-auth {
        Post-Auth-Type REJECT {
            eap
        }
    }
}
EOF
}

# RSA-2048 server certificate (serverAuth, SAN) under an RSA-3072 CA, as the appliance generates on first run.
make_certs() { # dir
    local dir=$1
    mkdir -p "$dir"
    (
        cd "$dir"
        openssl req -x509 -newkey rsa:3072 -nodes -keyout ca.key -out ca.pem -days 3650 -sha256 \
            -subj "/CN=radload bench CA" -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=radius.bench.test" 2>/dev/null
        printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
            "extendedKeyUsage=serverAuth" "subjectAltName=DNS:radius.bench.test" >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 730 -sha256 \
            -extfile server.ext 2>/dev/null
        cat server.pem ca.pem >server-chain.pem
        chmod 600 ca.key server.key
        openssl verify -CAfile ca.pem server.pem >/dev/null
    )
}
