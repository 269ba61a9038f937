"""The staff dashboard under /staff: server-rendered pages for village, kecamatan and Dinas
Sosial staff (login, the review queue, the musyawarah, the BNBA export)."""
