"""The staff side: regional workflows, village review for the musyawarah, exports, digests."""
