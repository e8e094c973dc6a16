_bpio__engine() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="bpio__engine"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        bpio__engine)
            opts="-h --websocket-port --websocket-use-all-interfaces --websocket-listen-address --websocket-client-address --rest-api-port --server-name --max-ping-time --use-bluetooth-le --use-serial --use-hid --use-sdl-gamepad --use-device-websocket-server --device-websocket-server-port --use-lovense-connect --device-config-file --user-device-config-file --log --version --server-version --frontend-websocket-port --websocket-tls-cert --websocket-tls-key --websocket-token --websocket-token-file --max-message-size --max-messages-per-frame --mqtt-url --mqtt-ca --mqtt-username --mqtt-password-file --mqtt-name --mqtt-prefix --mqtt-max-ping-time --mqtt-homeassistant --web-port --max-clients --simulate --use-usb --lovense-connect-discovery-url --use-lovense-dongle-serial --use-lovense-dongle-hid --broadcast-server-mdns --mdns-suffix --repeater --repeater-port --repeater-remote-address --websocket-tls-roots --allow-raw --crash-reporting --crash-main-thread --crash-task-thread --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --websocket-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --websocket-listen-address)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --websocket-client-address)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --rest-api-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --server-name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-ping-time)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --device-websocket-server-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --device-config-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --user-device-config-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --frontend-websocket-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --websocket-tls-cert)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --websocket-tls-key)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --websocket-token)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --websocket-token-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-message-size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-messages-per-frame)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mqtt-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mqtt-ca)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mqtt-username)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mqtt-password-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mqtt-name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mqtt-prefix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mqtt-max-ping-time)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --web-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-clients)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --lovense-connect-discovery-url)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mdns-suffix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --repeater-port)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --repeater-remote-address)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --websocket-tls-roots)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _bpio__engine -o nosort -o bashdefault -o default bpio-engine
else
    complete -F _bpio__engine -o bashdefault -o default bpio-engine
fi
