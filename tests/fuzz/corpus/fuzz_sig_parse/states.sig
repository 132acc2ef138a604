signature s { src-port == 1-3,7,9-10 udp-state responder payload /^x{2}y/i event "r" }
signature t { tcp-state established,originator requires-reverse-signature s enable "ftp" }
