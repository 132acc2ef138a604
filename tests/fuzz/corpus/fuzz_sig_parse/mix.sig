signature a { dst-ip == [fe80::1]/64, 10.0.0.0/8 header ip[16:4] & 0xff == 1 payload[:5] /(?i:ab)"cd"[^[:alpha:]\x00-]{2,3}$/ requires-signature !b eval f ip-options lsrr file-mime "a", -1 event x "m" }
signature b { udp-state originator active false }
.meta line
