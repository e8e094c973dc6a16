
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'bpio-engine' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'bpio-engine'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'bpio-engine' {
            [CompletionResult]::new('--websocket-port', '--websocket-port', [CompletionResultType]::ParameterName, 'Port of the client websocket server [default: 12345]')
            [CompletionResult]::new('--websocket-listen-address', '--websocket-listen-address', [CompletionResultType]::ParameterName, 'Full listen address of the client websocket server (e.g. 192.168.1.2:12345), in place of --websocket-port and --websocket-use-all-interfaces, which it cannot be given with')
            [CompletionResult]::new('--websocket-client-address', '--websocket-client-address', [CompletionResultType]::ParameterName, 'Connect out to a client that listens at this websocket URL (e.g. ws://127.0.0.1:12346) instead of listening, and again whenever the connection ends; used only when neither --websocket-port nor --websocket-listen-address is given')
            [CompletionResult]::new('--rest-api-port', '--rest-api-port', [CompletionResultType]::ParameterName, 'Serve the REST API (HTTP, /api/v1, on 127.0.0.1) on this port, beside the client websocket server; it is one more client that --max-clients does not count')
            [CompletionResult]::new('--server-name', '--server-name', [CompletionResultType]::ParameterName, 'Name the server gives clients in ServerInfo')
            [CompletionResult]::new('--max-ping-time', '--max-ping-time', [CompletionResultType]::ParameterName, 'Milliseconds within which clients must ping; 0 disables the watchdog')
            [CompletionResult]::new('--device-websocket-server-port', '--device-websocket-server-port', [CompletionResultType]::ParameterName, 'Port of the device websocket server [default: 54817]')
            [CompletionResult]::new('--device-config-file', '--device-config-file', [CompletionResultType]::ParameterName, 'Device configuration file (public format, major 4 or 5) replacing the built-in database')
            [CompletionResult]::new('--user-device-config-file', '--user-device-config-file', [CompletionResultType]::ParameterName, 'User device configuration file')
            [CompletionResult]::new('--log', '--log', [CompletionResultType]::ParameterName, 'Log level: error, warn, info, debug or trace [default: the RUST_LOG environment variable, else info]')
            [CompletionResult]::new('--frontend-websocket-port', '--frontend-websocket-port', [CompletionResultType]::ParameterName, 'Serve a GUI (such as Intiface Central) on ws://127.0.0.1:PORT: the engine waits for it to connect before it starts, tells it what happens and sends it the log, and stops when it sends Stop or goes away')
            [CompletionResult]::new('--websocket-tls-cert', '--websocket-tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain (server certificate first) to serve clients over TLS, wss://; needs --websocket-tls-key')
            [CompletionResult]::new('--websocket-tls-key', '--websocket-tls-key', [CompletionResultType]::ParameterName, 'PEM private key of --websocket-tls-cert')
            [CompletionResult]::new('--websocket-token', '--websocket-token', [CompletionResultType]::ParameterName, 'Shared secret a client must present, as ?token=TOKEN in its URL or an `Authorization: Bearer TOKEN` header; other users of this machine can see it in the process list, so prefer --websocket-token-file')
            [CompletionResult]::new('--websocket-token-file', '--websocket-token-file', [CompletionResultType]::ParameterName, 'File holding the shared secret of --websocket-token (surrounding whitespace ignored)')
            [CompletionResult]::new('--max-message-size', '--max-message-size', [CompletionResultType]::ParameterName, 'Largest client message accepted, in bytes; a larger one stops the client''s devices and closes its connection with code 1009 (message too big)')
            [CompletionResult]::new('--max-messages-per-frame', '--max-messages-per-frame', [CompletionResultType]::ParameterName, 'Most protocol messages handled from one client message; the rest of a longer one gets one Error')
            [CompletionResult]::new('--mqtt-url', '--mqtt-url', [CompletionResultType]::ParameterName, 'Put the engine on an MQTT broker: mqtt://HOST:PORT, or mqtts://HOST:PORT for TLS. Remote clients send on PREFIX/NAME/command/ID and get replies on PREFIX/NAME/reply/ID (docs/MQTT.md)')
            [CompletionResult]::new('--mqtt-ca', '--mqtt-ca', [CompletionResultType]::ParameterName, 'PEM certificates to trust as roots for an mqtts:// broker [default: the bundled public roots]')
            [CompletionResult]::new('--mqtt-username', '--mqtt-username', [CompletionResultType]::ParameterName, 'The engine''s account on the broker')
            [CompletionResult]::new('--mqtt-password-file', '--mqtt-password-file', [CompletionResultType]::ParameterName, 'A file whose first line is the password of --mqtt-username')
            [CompletionResult]::new('--mqtt-name', '--mqtt-name', [CompletionResultType]::ParameterName, 'The engine''s name in topics [default: --server-name, lower case, with - for anything but letters, digits, - and _]')
            [CompletionResult]::new('--mqtt-prefix', '--mqtt-prefix', [CompletionResultType]::ParameterName, 'The first level of every topic')
            [CompletionResult]::new('--mqtt-max-ping-time', '--mqtt-max-ping-time', [CompletionResultType]::ParameterName, 'Milliseconds within which remote clients must ping (never 0: a remote client that vanishes must not keep devices running)')
            [CompletionResult]::new('--web-port', '--web-port', [CompletionResultType]::ParameterName, 'Serve the web control panel on this port (http://127.0.0.1:PORT/, on the client server''s interface, with its TLS and token): devices, levels and readings live, sliders, stop-all')
            [CompletionResult]::new('--max-clients', '--max-clients', [CompletionResultType]::ParameterName, 'Clients served at once, each its own session with its own spec version; beyond them a connection is refused with HTTP 503. Who stops what: docs/PROTOCOL.md 14')
            [CompletionResult]::new('--lovense-connect-discovery-url', '--lovense-connect-discovery-url', [CompletionResultType]::ParameterName, 'Where --use-lovense-connect asks which Lovense Connect apps run on this network [default: <https://api.lovense.com/api/lan/getToys>, the vendor''s service]')
            [CompletionResult]::new('--mdns-suffix', '--mdns-suffix', [CompletionResultType]::ParameterName, 'Text appended to the advertised mDNS instance name (`Intiface <random> <SUFFIX>`)')
            [CompletionResult]::new('--repeater-port', '--repeater-port', [CompletionResultType]::ParameterName, 'Port clients of the repeater connect to, on the interface of the client server (loopback unless --websocket-use-all-interfaces) [default: the client server''s port]')
            [CompletionResult]::new('--repeater-remote-address', '--repeater-remote-address', [CompletionResultType]::ParameterName, '(bpio-specific) The server the repeater joins its clients to: ws://HOST:PORT, or wss:// with --websocket-tls-roots; a token goes in the URL (?token=…)')
            [CompletionResult]::new('--websocket-tls-roots', '--websocket-tls-roots', [CompletionResultType]::ParameterName, 'PEM certificates trusted as roots when the engine connects out over wss:// (--repeater-remote-address, --websocket-client-address)')
            [CompletionResult]::new('--websocket-use-all-interfaces', '--websocket-use-all-interfaces', [CompletionResultType]::ParameterName, 'Listen on all interfaces instead of loopback only')
            [CompletionResult]::new('--use-bluetooth-le', '--use-bluetooth-le', [CompletionResultType]::ParameterName, 'Use Bluetooth LE devices')
            [CompletionResult]::new('--use-serial', '--use-serial', [CompletionResultType]::ParameterName, 'Use serial-port devices')
            [CompletionResult]::new('--use-hid', '--use-hid', [CompletionResultType]::ParameterName, 'Use HID devices')
            [CompletionResult]::new('--use-sdl-gamepad', '--use-sdl-gamepad', [CompletionResultType]::ParameterName, 'Use gamepads with rumble motors (on Linux the event devices of /dev/input, which needs read and write access to them). `--use-xinput`, the flag of older engines, does the same')
            [CompletionResult]::new('--use-device-websocket-server', '--use-device-websocket-server', [CompletionResultType]::ParameterName, 'Accept devices that connect over the device websocket server')
            [CompletionResult]::new('--use-lovense-connect', '--use-lovense-connect', [CompletionResultType]::ParameterName, 'Use toys paired with the Lovense Connect app, through the app''s local network API (the app is found through the vendor''s discovery service, see --lovense-connect-discovery-url)')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print the version and exit')
            [CompletionResult]::new('--server-version', '--server-version', [CompletionResultType]::ParameterName, 'Print the bare version number and exit')
            [CompletionResult]::new('--mqtt-homeassistant', '--mqtt-homeassistant', [CompletionResultType]::ParameterName, 'Home Assistant MQTT discovery: each output a number entity, each battery a sensor, a stop-all button')
            [CompletionResult]::new('--simulate', '--simulate', [CompletionResultType]::ParameterName, 'Add the simulated devices (for trying things out without hardware)')
            [CompletionResult]::new('--use-usb', '--use-usb', [CompletionResultType]::ParameterName, 'Use raw USB devices that the device config names in `usb` specifiers (the Rez TranceVibrator)')
            [CompletionResult]::new('--use-lovense-dongle-serial', '--use-lovense-dongle-serial', [CompletionResultType]::ParameterName, 'Not supported: the Lovense USB dongle is deprecated by the reference project; the engine says so and runs on. Use --use-bluetooth-le for Lovense toys')
            [CompletionResult]::new('--use-lovense-dongle-hid', '--use-lovense-dongle-hid', [CompletionResultType]::ParameterName, 'Not supported: the Lovense USB dongle is deprecated by the reference project; the engine says so and runs on. Use --use-bluetooth-le for Lovense toys')
            [CompletionResult]::new('--broadcast-server-mdns', '--broadcast-server-mdns', [CompletionResultType]::ParameterName, 'Advertise the client websocket server on the local network over mDNS (service _intiface_engine._tcp); never while it listens on loopback only')
            [CompletionResult]::new('--repeater', '--repeater', [CompletionResultType]::ParameterName, 'Repeater mode: run no devices; join each client that connects to --repeater-port to the server at --repeater-remote-address, frame for frame')
            [CompletionResult]::new('--allow-raw', '--allow-raw', [CompletionResultType]::ParameterName, 'allow-raw')
            [CompletionResult]::new('--crash-reporting', '--crash-reporting', [CompletionResultType]::ParameterName, 'crash-reporting')
            [CompletionResult]::new('--crash-main-thread', '--crash-main-thread', [CompletionResultType]::ParameterName, 'crash-main-thread')
            [CompletionResult]::new('--crash-task-thread', '--crash-task-thread', [CompletionResultType]::ParameterName, 'crash-task-thread')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
