namespace LlmLab.Tokenization;

// Unicode 14.0.0 normalization data for UnicodeNormalization, generated from CPython 3.11's
// unicodedata by the script below (a zlib-compressed stream of LEB128 varints, base64):
//   1. combining classes: count, then (start - previous end, end - start, class) per range;
//   2. canonical decompositions (one level): count, then (code point - previous, length, code points...);
//   3. compatibility decompositions (one level, tag dropped): same layout;
//   4. primary composites (canonical pairs NFC recomposes): count, then code point - previous.
//
// # Writes the normalization tables LlmLab's UnicodeNormalization reads, from Python's unicodedata.
// import unicodedata as u, zlib, base64
// out = bytearray()
// def v(x):
//     while True:
//         b = x & 0x7F; x >>= 7
//         out.append(b | 0x80 if x else b)
//         if not x: break
// cps = [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
// ranges = []
// for cp in cps:
//     c = u.combining(chr(cp))
//     if not c: continue
//     if ranges and ranges[-1][1] == cp - 1 and ranges[-1][2] == c: ranges[-1][1] = cp
//     else: ranges.append([cp, cp, c])
// canon, compat = {}, {}
// for cp in cps:
//     d = u.decomposition(chr(cp))
//     if not d: continue
//     parts = d.split()
//     if parts[0].startswith('<'): compat[cp] = [int(p, 16) for p in parts[1:]]
//     else: canon[cp] = [int(p, 16) for p in parts]
// composites = [cp for cp, d in sorted(canon.items()) if len(d) == 2 and u.normalize('NFC', chr(cp)) == chr(cp)]
// v(len(ranges)); prev = 0
// for a, b, c in ranges: v(a - prev); v(b - a); v(c); prev = b
// for table in (canon, compat):
//     v(len(table)); prev = 0
//     for cp, d in sorted(table.items()):
//         v(cp - prev); prev = cp; v(len(d))
//         for x in d: v(x)
// v(len(composites)); prev = 0
// for cp in composites: v(cp - prev); prev = cp
// data = base64.b64encode(zlib.compress(bytes(out), 9)).decode()
// print(u.unidata_version, len(out), len(data))
// open('/tmp/unigen/data.txt', 'w').write(data)

/// <summary>The generated Unicode normalization tables (see the comment above).</summary>
internal static class UnicodeNormalizationData
{
    public const string UnicodeVersion = "14.0.0";

    public const string Base64 = """
        eNrtnQd8VVW+789a+ySHQNBxnBnbKBHn3jve8TkSqo4FJCiMIg5Vvfe9y1EQI82hqHjvvEmBkJAACRB6SwIppCekUdLrIUBoobfQ
        Cb1IkfJ+v//eJ4agzrz75r4383mD/L7rv9f677VX32vvcw7e0QGePzmulO2kUsY+M7TtUsoOW7nMOIatEdrNQwfdL0AINY41QrVP
        aYaShZWdctunYJ++N/Q+ruZo+3E1TdvgZdDLysl2wLQ9YHvw4laacqcdtXJtrWxtlM1b2doq2wPK9qCy/UjZHlK2Hyv1sLL9RNl+
        qmw/07ZHtO1RZXtM28x8tO3HfaQCTylbO2Xz6WB7Qtl+rmxPNsUo29PK1l6uxxrYm19/n3rI9szHnseV4S4ysjWQpJu5/ML2i3a2
        e8+SUFvt0dQu7ho3O24Z4rwY5fltZGuEj+HautVxaXC24XPI+BV3ZyDtVywy+6/tveVqCrW7MO6q62YOVp1fsTkesnnZm5XjE4np
        gJhXxRrbjAHKbbWyDVS2f/lY7DHKC/wDjRFweMAYOVp9LsZXfXGZn0t3ULtUN1sgLhQEe7LyNIKUQVvK68XgNbj93ubQymsArDoP
        FDjHobza2byWwqMNylTLgRFpjhCzzPvcRm+b10/R5QbMDvZ7R5VW99ZaWaMR5f+Rzeuf3LVHB3RVXr+xObyVl5/NsYANpm3WJPl2
        1GtP5QF3B0w7oquaGtyzeQdwBtRbHYqJ9Qv3bDlqxe35dtY0GwlbPKSY5lzRkpWHXOfeMaOaCnP3ERRyBlrH2e64SrZLtket+Y1G
        UofUp6rVjka6engdV08jw99B0drm9Y82r/k48ecPHVcvYZzgcKjN0dbmdUEqaVWKo95TRv5x1dnmdQ0nZKIzHg/yZG09zdpucsDz
        CN3nsnlnt5XuPq6elTJLPh42r3h3FQrtqN1k5rxQeqT57EC1fFvMjhJc859tXg/avF6yeSmb4w34d1Ber9kcfW1erW2OkRKbDcHx
        d4pD8jEUzo6SbFIc3I5HkdMw8bqlJPijzesLMSbYvGZosYIx6jxsjiVwGGjzetjm1R8lNmxewVoGJI52L0Q/vIyc13gpz9QFqFjV
        s2oXu8lua8Ao2aW8HGgwuznO2qGO0azauidwiv4RRqan2ayczCEaB9fZRq/C73AbNOQYLoU2x/QfFSvdI8ATCCSCiGAilJjmqXXP
        BFi96NKLLr3o0oupfRjXh3F9GNcnFM7v8Nx+TOjHhH5M6CdxoZ6GHsSEQUwYxIRBzOX9QCQ4meBkgpMJTp7hZKqTJfiIJRhOl+F0
        GU6X4Uz1Z5w/4/wZ588SjOG5Y5kwlgljmTBW4liCiUyYyISJTJjIXCYF4rRJUt/JvCTRI4QW0SORFtGTp31E9OS5HxE9p9IiekbQ
        IvyIYRG4Wi9mNZzoxayGE73oPJzoxUyHE714xnDiTWY6gniTziOIN+k8gniTDTGC6E2XT4JwjT6smz/RhxfyJ/rwNH+iD7P3J/pM
        9bTr3/K0T4m3mMvIBNT8bdZoFPE240YRb7MsoyI8PfQ7TBhDvMOEMcQ7TB0Tgfz68WpjiX682liiXzitcBStP08bR/TnaeOI/jx3
        HDGACeOJASzQeGIAXcYTA+gynhjIwwnEQB5OYMMOYn0nEoN48YnEIF58IjFoGi1iEMsykRjENphIDOGFviDeJyaJxd7/gGX5iviA
        jf0V8QEv+VWEZ3vdbxGrtcjzAT2I1sRFnk/qHkx1En0If6IfMZYYREwk9ikW8JZwnwoUO1DsCLFNnwCxA9Al5eJ5VBhvJxOElRKD
        1QxN8CZPGkG8RYyUa7N+Y4nTBj0bhXkG02Z5kJ+y197ktUdw3r3Da44hKqRAx4SVwuPCXcLrwh4zWV2iRxQtohcPhxO9eDic6MND
        f6IPD/2JfjwcS/Tj4ViiPw/HEf15OI4YxMOJxCAeTiQGxHMsEAOJCfEoeW/W5pMIT4fuwX5yyoSSdYKol4b6WrhDeFXYj25jiTRp
        0HTh+8SkyZ7TNfsAVdVqNmJCPQM9X1AFHq3Vbxw6UVogygGqPKzC0bT0POECB1eQZcKVEpMkdIGPI5WDa6UwU+JzhHnCAuEG8SwQ
        nwphkcRXCGtAD71V7K1IfU5Ht2KfRbfigje7VSD6NAS2h17Yij7zJTWuVYhnG9ghnj46H3xE50h8jpyVLWfVy1lr5Kx8SS2D56P6
        Siv2wFXwt3puK86pXPABHSl2hjCyVajYXFajJSYHNPQuL8bvFs4Vn1zhPGGe+M9vNVmuOFlKGyo2uVRYKD4nJYdTwlSJ3yiMk7PK
        hHESU2bFh4tNJkhMleSTLPYGMEnrBO9t3kj23g5WCxO8d4Au2AsxVtpu99a6BHxIbwXr7Trxx+t+3EpngIbOBn+ho0FUTThPuFgY
        I4wVJgvTwVG66uHCh1GYh3c+/CMd8/A62LGg1ungQJ31k3U/MXQ++IyeCyJP4WKJTwZP4+Sf1f/MAAt/Rnvnz5DRz9bBjgW76lmP
        7Hyki658pPARpAorEfMfuvLR+ke/1EWP7XjMoStBxD9W/5gGS2G7EPNHXfl44eM4S1j5+M7HZ6DrnnA9ocHNT2BVgs2Yg08c07r0
        qbx2rXUt6KG3COuFe8G2uvipHKRefOrSUxq88pTSWe0C2mGkgV6ICWj3Yz2rHXNY3I5nxQjjhcntmENku5x2o/VKnzSfQz/VU7rk
        dNF6qjBMGC6cDtp1FPisXiMx60BDF4KYNhJTCq730D1WcmUgXueU/5B4PY4W8XomLaJK5vYJoR+dhhF+dBpG+NFpGOHHxWUY4ZdK
        i5ilOW9mC2fpQLFlo8TE4USvDFpEop3zJEn4Bi/ysdzWOZRHEL15+AnRmxf+hOjN4fsJ0ZsX/kRu/2m0iD7M1p/YLOU/L3yLGCkW
        sxhJvMUKjCTe5uEoIvdluUEI32bSKElnoUcRfZnFaKIvCzWa6MsTRxPv8HAM8Q4Px0gcMxhDvMMMxqTKChwoK3Cg2KFik7XSZhuF
        tdJmG4XvEp+Jxcw/I/oT48TiZcYRe6Tce4X9eclxxAA6jScG0Gm8eGoe7xUeEh4WNrxMHhEOJCaIxVMmEAOZ4QRiICsygRi0gvcl
        YhCbfSIxiAkTiZNSg1PC05q1bBQO5mblc2IwM/6cGMKKf0EMofsXxBA6f0EMYVG+IIbQ+QviPR5+SbxHly9lA83DSbJZ4VbmK+ID
        On9FfMDCf0V8InWR7Lk1msSd9V20AuYJHZ1EjzBaRKn0VoOwVLYmDcJSFSa26RMsNrn8FV43RhgktQ8WBknvBguDdJjYYWIHi22e
        GyLnyvaYxRhO9KLbcKIXnYYTLinPaaFLynNa6JLynBa6pDynhflSngJhHyb6E32YvT/RjxgrFhPGEtsl9yvC7ZL7FeF2yf2KMn2C
        xSZrJfeNwuUGz4oRLjcCxA4QO0zsMLGDxZaaG3Fik4OIiWLRbSKRLjllCNMlpwxhuuSUYZg+wWIHix0nNvk+HScR7/NwksTxhEnE
        +3SfFIz9U6ZjtuxM5oABr9I/UBjwaqDYgWKXil0qe6DZQvqHimeYMFQ8w4Sh4hkmzBH/HPGPFM8oYaR4Rr3KfWi0+ESLz3xJXSCc
        Lz4LxCdPfPLEZ7mkxgiXi0+McLlcMUY4T/zniX+ieCYJE8UzSZgonknCAvEvEP8M8cwUZohnpjBDPDOFC8R/gfjni2eBMF88C4T5
        Zs7CIvEvEv9i8SwRFotnidRxmfgsE59qSa0RVotPjfhUiE+F+NRJ6hZhnfhsEdbJFbeA3JHOAXe/GiAMFJbKrnK2kPkckhwOCw9J
        DoeFh8TzsNlK4p8k/ifF85TwpHieEp4Uz1NmKzm4mU5xsO9ppTrYe7TSHGxnWukOtgitWgfrRGujg6WitclhYORVyMgjg4TBwsnC
        KcIQ4VRhqDBMOE0YLowQThfOEM4ULhfGCGOFccIVwpXCeGGCMFGYJFwlTBamCFOFacJ04SHhYWGD8IjwqPCY8LjwhPCk8JTwtLBR
        eEZ4VnhOeF6Y6QgR8h54wYqR8oAaNnsi97UKmbEhwslCtm+Igxb8VAFaOlHR94rkkSd5pEkeeZJHpeQRLeeFOjivaIWJxZSi1wKE
        gUJzPoUIJ8uTEL0jcZUCyc3lMGdQiHCykB7THFrfkZzuSE53JKcK8asQvw3il4Hrlsh4LJHxWCH5bRCuFO+V4r1SvGfAO8ZcB+QB
        b4pDqaGGviVVrZHib5Kq1kgGX0tVl8mpEQ4OeVozxUKKWq0MFdRdqeDuK7VKctjVW0pVqLE6smc+t4Dgw3oO2E7XScx24Vawsw72
        y8cNNxQ0dDj4qI4DMUnBJ/Q6iS8TVkh8NfiIfoXmYZht9EY/ZvYy8SpxVI6PySmXxL4s9tdiXwMd+qbY30h8UC/awb1oh4g9FXxG
        x4qdKEwSJoMd9C0597YwSuJn9WKeWWJnC1cLc8CXVehQjIqhWQ/q/YPyPS+01huGLnBqvVG4WbhFuE24Q7hTuFu4V7hfeFB4GDT0
        UbGPC0+CDn0exCwYuhAxl8S+JPZVsa+KfV3s62J/I/Y3sB/RlbBb6yXOBc4HdLKTeaYK04WZwmxhjjBPWCBcK1wvLBKWOFnCcrEr
        hdVOlnCzk1fc7OTVt4q9VewdYu8Qe5fYu8TeK/ZeJ0sYL3mel5gLwovCS6Bd3waDIg1VPV8rdWUjP01bAqt6AbBlPw6zFgPHEoDF
        RdrCliwcbomDNTUZVjUPvy4DTp0BptwFiiKQumYmcD0KmBkDBG1HwqI9wO7DwIETwPpQJJyOBS5m02UJ4q7GA5Pr6XwUSGVWS9cB
        dWtw2HgQ2BiOw6OzgJoKHO4KhrUsEnCtx+G8Tfwojxe6dQzYxIuHLIOVF8frrgTKa4BtO4BIXuPEWSAwgH682j7i/CIgK41WLnBz
        LRBxEX53LwHLvwFqpiJucjxwl+WrjwYOZrL0hfwM4zpwh5k28BounlvKhr2WCuyiX0M+MJvtsmcvMJMffaTfZElvARtS4LeVxQ0P
        ZKlY+lpi8RWgkCW4yBJcpV/APGAzW0Pa+Q7LUsDOO5EHzCoGprLFL5xmC7GJv2GBitguSUXAdDrX7gauu4BYFqOMHX8gg41zjvVl
        b61izmt24jBjGaxQnnGH1z02BYfLq2jxGmnsy1OxPI1lDtzCstwAzk9mtZjLZo6hq6xgaSJwmQPpDHuwYgMzZU+vYmOnJnOUrAbm
        rQc2EYt4WiVH7DUOlYalHMDr2KEciQHlwEJ2chzbtKYBCOMnvK7LwBU23Xn2TDxPOxcGxC3n8GFfzlvB05j9+iQObw7W0ih3zWtY
        vqtssG8qWUs2RCF7+io/QDnKSt9IdTf7mrXsLbZ9Ftv+FD9JW8j5UcmLr14BfM3BUM1hNj8DCGd/pLGQq9k4+Uw9XILDEOa8JwY4
        x5yLOHIWbHB396YjLCSn3y1W5hYrM51zNZQtlMYBEsYafcOpcXkzUML5sZhTPIyl2s0ua7zA9rspfY4zzrLz0tiS15lB8nJeknPw
        NAfrKjZdOBuivJRDqs49wkJY5iQ24kz26jEZ47UsJC+eyHFwjIMmhNdtaGSD3QE2s4kPE7WseQNzKeI4XcNCLmFWdazlfHbjTS4A
        cXTZmc+5zxExj9XawKKd5Hqw4Sqn6dcc/Bx1xVwKFrAvd81FajGbMzeEQ5klnUrEs2u3cSjX84wpbOelbKbVbMS1rG8tF5mNbI3w
        2cA2nlHMZipOxs18T4bS6kotrAMc8qs4IlxcWtZxFB8gjhEz2b/17PNCXmj9XZw2K0JrdT1aGyqfnXc7RtvV+Uz2JZGYxfHCJegA
        V7M81jyNQ+UER8RGmWXs36PEFrbaEi7NISlsDaKYkziRa85R9sc5Yg7H1Ul23gzOmUvEZs79Bo6rKFZ6CnvrGttgIT8zjeVkOsfJ
        lMwlLZY9GMVlpJDVqiGqiTqinthPTGd9ZxDFXLkC2TPF19wTMYxrXQlxieNgCqfGWfbgjclu7OTCE8n1fi6bPZA9WEBs43oauhDI
        5WIkTXeEjXM3HVjLUXyV0+/cFC+MnMlo3XgucznsnpNstQA2YoVYjKti+91c6W6/Has4aGg1EHvYiNlsxHIuVduJhtVs2FxgKwfD
        buIUl/9UTo1dbOJNbOLQpnY+VOpu7NWcW+VcMRdXMwOinh1wpdZ9G1tE1BM3uMzJuitTdy9nxYb97k5ZesjdMwnnWUF2T/ox9yC8
        yI4K4RRfSyzhQrHsjHt07iWuEC6u8sVELXs1s6mjvuEKt/emu8sKmzpqK6fQed6FbswASthHIbPdHVXEFfM6sSHa3W9yZzob7e7B
        afPcPZjPCXaJPbiAC8DXXB1vpbg7VKbL3nR314ZnuPt3Vq57X+Kqa4XmJHacAJZ8gS4PQEELiJoVGAF1BcC220BZIU6YUaT99O42
        q9tg49cmr00bfapNSRs8NLUpBWu+NkrMgEd1SCfzhevALcKtwm3C7cIdwnoQmzKxdwv3CPcK90nqAeEhiTks9hGxj4p9XOwTwpPC
        U8LT1lUKpAxFkmeRnFXUpvaf9YIY+5oYu9aLJHxQr5QwGI9zsfaEWLvSWRIutuuqeHthPCIQ7oy3n8e2NMm+JgkRCDOS7HK8Psl+
        S+n8ZHt6MhMkvO2pc7LsGVn2+AvYcsc6jsXiiWaXFR6MdZyzwvNWeMEKL1rhpVjHEF0QZ/qvscK1ceZ566wQx+etY4TFtXa1nhM3
        nyghYoPQxYeWKmsdXEsE8Q51U25TMe61cTOx1B9TJ6KVtVJuJ44S14jF05BQAI8TPJrOZWADo+bRWiGbLt4sUuLcC8fBuNZYVmgF
        87ZxEKeupVFJXCKuEdGfWuvJtyuzrCxTuDyHxLu3YTXx7iV7D3GZuE3cvRcpc1CmC5zmLu7KDhJH5iKukdZFIoQ3yaXctOTTqiZO
        ErGM+5qI5Iq2jThCTE52Q1a5ZCKbKCXmprnvIfNobaF1JcV9uzzHhXBTOuOI6Vwcw2ll0cokUuSGk4RCXqJ1jQjhqrmQiJX1k0hM
        hctp4kw2Fz2uqQnELh4ep3VuNFYDKJRLbWETqrNxUhnv1Lvy3Luuy8T8XCTcpRXCe902LsmxtALHYtw03QOLC1h04uha5sTtzXFa
        5+Rhg7hFHOZOroFI/wz9QyORu831xCmiAfHBZTjzFowM3gayiVxCHktmVWHY3KGVWdnKQiDvbrFSNqLq9+i6Y4jfU4Y1qoFRjcQR
        xC/k/WQjsZO4QQTy9rJmHMbwOOt2vn0jzq6iVc3bTG2p+/4j1s2mm1AWsYJIJw40bQDkQS6SN6ZFxH4ik3ui7UQd97wR9bjGelq3
        GHeSVjDvYkeJizuRGstbWQUPk4i0CWgkRt0hlnBffo3WmQnWjuMMMe0QzjzCvcd17j1qeBNc8Lm1EwmFcXQiWpHzLpoI4F1xMdNS
        +Xi0e+o998wY4gCxjSjjHaEGedzkLnEKsbXOvcE5exKJM2gtY9ycrcq8e5TSiNvGHS+RyOfFuLPw3Utr/pe4Cm/KCRcRtZ3WJkRd
        orFsp/tmvZaYfhUe4WuAm7Q27eKe8AasIm6ENxInGDeXd/bCPe49l9zoTxHXiSnc2y69idNW8zCdO7JzRPZX1lagithyGx436HuO
        O4MDd1i5u0AlH6gKDrl3C4uIuf+O0UnjNnGNSOUmeSVXwAruJ45MxlBczJ138lRYiUfd24s6IjQCcQHcaEQTOTNwOCcSuMl9Rzif
        B1L+gOxo5P/BVJV8/fake18yRZ7LiEX/E2OSG5Tc+cihkNasBV7WM+syzq1IblpiliEunyhfDtz6I4oR4N7CXI5B1CViQSyQTSzl
        jmZZE2SXI5uC8PPyLMZ2CJSHDDhv4kOQPOjLHugIE+JTvKz97MJUWBWEbOIbifQg987WRWwmbmXBJSHHjXPcSQVNZiPm4bCSe6oa
        IoFxAdyWbOWjwPIpnFC0jhAB3HGFFCH1CK3AEPYxN2BB3C5XEKsZl1gOlypiNw93V7ADuEcrrIQVzSfOm3fdW7Y9NYiLcwGHeJi4
        gS1M6+Bxbp04jbI4oYKDuM8KZS60cnJY3M1wziFmc0ItPuFewyYTS7kHb+QZUXwXEE4sIbJ538sUi1hPHCfW1XtZLw6WcCN5hEjl
        bjKO1npaJ6a6HwC2Mc7Fw1piH5G7Cxk07gF27AaSp3FU8RH4MjF3Gs84gYSjtFIOwNpPl8NE5kE2+2FmwMO6plc/J4hTRNJ07k6J
        GdzeNkx3b3QTiUYihG+5doYzU1qBfEK8wcNDtI4QJ87gGjv5aHuAyIlgf9Bai61D2kUkHr/EAT+d3Ussb9ojy/Z4B9/OJd5g/fi8
        U0Is4pb5GpF+BwmTI9ETG/jKah1xYZFcjOvSEvfWems47j9niTl8hrxIRPHVW9oMxC2ilc89986VfD1F3OLhjQQgOpGvwObBL5zv
        YqJn8x1VspQAccd5WMZdehZvjHHcqlfEImHhCuDcHN5WiEPcuU9LRFxWNOdcUmtrIy9IInKTEdfAR97subx78Lk3ga8GS4k7xKZ5
        fPeU29ra+hfzBcDtAiYs4FpOnFjDwxK4XOfhlFJYM8qBqApgLd8W1C/kTZTWHWIKnwdmEnOJtURAbeu5T2I36dNK+4R6auX00D6T
        PQ3lq1RHpX34Da51DkP7JMDooNRYbXQo795Jkb7K6Ah7gu7zW6X9P/XWb/O7XqPylJde5zGmixrfS/vd1kr73QGGEW/D8e1P4QO9
        A/sdhGM+/Qft9wG8voLTV9g5fIK2tiuFjSXu9zdgfQMFeiiFm9UkH+3DDyx8+Am+Dz+Z9+EX+Hz4+axPOIp9BL6jlBqvFO5S0R5z
        EV3h2Zr1eFtlOdD50EqHoSoRFjseV2sQlkClDq3mI8xx2FWcY4ahj7UOanOOX3i6Il9+IqvaXpEvP13xXvug3vjzrJ8HKL3xyawn
        n9XJTy54UoExT/5ahT81Ume1C5Tv8gS2CzbUvqczHlU9sB6iL17Xyk+pXugoQ6k3leqtVB+lfqv4qcjbSvVV6h2t+mFrgWq8q1R/
        pQYqNUipIUo5MXkRuwUKekmpD5UaptRwrIOI2Avtg0ZoNVIpbCA3oGexBdyOuLlwngdhw4aNCDYXS3BwHgnYJ6yEyVbJhlZDbJUq
        yF/afqL4uNNLmtIfUOtbPaO2IouPMG0R8GbCy3+M5RXBYegYdBI6BZ1mH+JKS9CHZ2FP+Q3uUbAv8lToEnQZugJdha6zikgPhpLR
        TmEIp0GLkUc4wggIm4FIBFHQLA92616lnYUecVr7zPYUoOdLPV/VPnM87cpHfc9fh4rs7ql9sj3bqueVfv55ZTz//PNeyseus7pn
        dVcGmdVd65zuOTgic7p76KefxhWmeHrp115T+rWnlX76tQfspmtW91bK5yH1AtrQUJ2U6qxUF6W6KtVNqReV+hWKiwHwilK/VOpZ
        pcYoumJeyXT7kydojoLh0rVfmj2PyTJSRvxoyewzGfoTvHX/8e8Zzl9/pABE9FQ6Q/XUxke/HqsAdGykoRH1BoaMDELzLzLjOthH
        /mI4jtLqHUzSsQbH4u9kOPKvoQf0VcbAXm8rPbCvVh/Y+fd1XEWzbBjcb2iOZBSyrg0GLLQV2gb5a+ONHu9x5pljaja0HIry8+C8
        MAc0Bt+nDq4vXWWVeVHZwQ4vyEFHZfgKYXcWu7MsQmAnIeK7KKOzEHY3Se0mMWBXUiOeNdR9+iijTx8ag5UarPRgHA/GsX2wGYuC
        vqf0e4h9r4/ZID0Vi9mXZdT+/srw96fxOeeJ/hzHn+PY/rkZ+yX7SH+J2C9xzC76SGo4urXxAqoQh/XCL9lPGWSyn9Zpfmk4ItP8
        Muw/MCY02kJ36AD5QlikO3SCOkNdoK4Q6wg/X7TZLzs8C/gSHYlORGeiC9GV6Ea8+Kyy/7LDC8IOQl9hR2EnYWdhF2FXYTehnOuL
        c3UHzCJfqCPUCeoMdYG6Qt2gFzHDOrxAdCB8iY5EJ6Iz0YXoSnQjeIYvz/ilk8X8kPiIGEYMJz4mRhCfEP7Ep8RIYhQxmhhDjCU+
        I35PjCPGExOIicTnxBfEl8Qk4itMVqzhr7vHAEf5963giit404wZ4F7DB8syjkH1vlIfyHr+oXtMDJe1c4TMQH+59TWf1GNlXv9e
        1uTx7lX8c7kfYpBNksXwhdjWdnMkJft9Yrz00itKv/KKMl555ZUQO/MbjH394Q+w+di4E8VZVqTbqgC+YUokcokiYjcxhW+CIojl
        xBqiiK+NjhGNRBCfTecSycQhQl4WBfCliXxsdYOI5kudhUQ+UULsI04RQXyfk0tUy4seYic/V1rGNzGNfJESxDcn04hoIiHL/RFa
        HV+MBPDVx3ViZr771Ud+02uPi8RebtaOEReJO8Qlvsq4SdwlrvB1hbyzCOd7iNlEHXGYuEyU8UVEKF8T5BIbiHQ+zq8mpvJxfh6x
        giggDhHHiAvyZC8fCxHL5ZO8evfL7mw+Om8gthN7iZl8TJ5DrCYa+cC6ig+iucRaooioInYTe4kUPpxO5kNoGLGPT5vHifnyaEkk
        EhlEOD+TmkV8zcfN20Qany2LiHPyypwPjg3EZWINHw3z+SxYKJ8v8glQPn+6QVzmy/PrfJ7L5TPZFmLaXfODH+tj5whiFpFN3CXC
        +BB2hB+EnCYuE7eICD5rLSKWEeeIS8R1YiOfWxqJ4kj3J1byFHJnlvtjq61EwBx+kMQni8r57meM68QSPl4c5ZPFBSKbjxLJfIqQ
        rwYs4jOefPKbQ0TxKaKGzw6Vce6P7uSrAddW8Rp8RFjMd/i5fDooIE4SW/iIcIBoIE4RG/h0cJa4TATycSCRTwJ7M+Vzde7Nuf9f
        QKQQiTl8UiEOEiv5OJBOZBHriD3EMT4dXF3n/px+JTf88hBQRmwkthDyOHCbmMH9/2xiedPjgIvYWuj+ZFU+clhepH+lfLqoWUO1
        OYPLiYp45dQ+/JaFz0KnoUOd05xDdbaz2umrAtqjZtCqZzCBEaYgTIWCYU+GpkAZOM6EsqBsaDWUAy1EWgg0FQqFYqAwaBoUDkVA
        06EZ0EwoEoqCZkGHoQboCHQUOsbfEEMnoJPQKeg01Aidgc5C56Dz0AXoInQJugxdga5Ch6A5UDRUhfJVQ7XQJmgbtBPaDS1G+n6E
        B6ElsJdCy6FYKA5KgJKgZLYHlAqlQelQFpQLFfMaUC3LgnwuMX/Yu6DdbDscT4FCoShoFjQHWgrFPGM3V3RZuMNo7eVSOo1WKhFO
        ZJ12r/ILiMDF8vzJRSHNXOqdxi8D2vOOFyQMFk4RhginCsOE4cII4QzhTGGkMEo4qz13BwHtD0sYZIXBVjjFCkOscKoVhllhuBVG
        WOEMK5xphZFWGGWFs5r8zyF04PxT7SPaH2uf/MyzylOOZjFFo5aLlRR+iQRh5hGajMEcM/JsrATBZlqjebTfPMJEYIB1XdIOSYDl
        mkGiGYklggFuZgxwL2Cwqs68nulSeEmC6YkS3DgqQcwCOW+/mbZ6pQRHzCLdMj2P55qRZyUIXCpBlXnedrNkZ83To8w0rK4MLjNQ
        m/mpyK117jvXzGvKy3h3YC9s3bCr9MWu0he7Sl/sKn2xq/TFrtIXu0pf7Cp9savsiN1nR/h1hF9H+HWEX0fsUDnpOdmDrQnunsRh
        zSbud0xazZGhdJAwWDhFGCKcKgwThgsjhDOEM4WRwigh+195MDXvmQD0trJzJIS3vyLnn2uvv3OSzOGhfBMkeLF7i7N/sXvDIvdu
        uQnL7Vju4rL8yzZF7vGr+Eo9bJP7SwLT+XnUDd6TY3ifke8HrOZ+aBfvnHmn3ZuYU/wgeBWvdoEXOsl35FN4S4jiZ34LuKE6Un//
        JD7OTcxl7pbWyids3AAd537oiHzFi+dW8brbmboYF9Id0Ykd0Ykd0Ykd0Ymd0Imd0Imd0Imd0Imd0Imd0Nmd4NcJfp3g1wl+nfmo
        wfprX2FHYSdhZ2EXYVdhN+GLJHb5ZtDBDMzTe49QxvBxI5QePlgZbw/EPjoW2+AVUDyUCK2CkqFUKB3KhLKhHCgPKoDWQuuhIqgE
        KocqoWrIBW2AaqGN0CZoM7QV2gHtgvZCB6CD0CHoMNQAHYWOQyehU9BpqBE6A52FzkMXoIvQJdz3ji5REUlK2WOdW5y3cOOj1ejc
        4YwR67JzjxO1M2KRhlzsK5wbEJeBmBUIUW4j3pkES3kkOguc6fCqgVciwmRIGauQViDhLSdKaSQ7VzhRInuy85SzTK6W7DyLGPqm
        wLos4WUnaqbTnCk4SsMVkWpPdR4z/expKEkxLZ2KM5QHmYH8kL8n7cNSj0Yr5bx5HcPy8DDDailzOrzWoUTIxZ4O3nKitY1MhCxz
        NlJdEt5y7odHDjzTJd8cqbvUyJ6HUpktstZqEYa8YrGZj65yos91Dc/Ucl3tcqJHjU1WyTYjX/S+B9vffS5txNnrEJ6Ra25HPxSY
        9TK2m+XQ250YVXqbpLPH2KZs/x3OOLMvPeoRk+dMkLN2IJ213oWzi8z+1HucGIPGHrQxxpaxC3Hlcmz22h545SPcjRDj1L7fucIq
        3z54Vss3V9lj+0Fc19hr5ioh4u0HpMXQugatRgnLnJslbESK8jgAvzznCfE+KL5sn4McIx5knVXOwxwLdlJa0N7Ux8ZRc8xJyOPj
        zljxOC2ty3NPo97KaHRul9HTCNZL/BkZD2ekRllSD2us6BcKDmOedxD6CjsKOwk7C7sIuwq7CV8ksWSYQQcz8DWDjmbQyQw6m0EX
        M+hqBt3MwMzF18zF18zF18zF18zF18zlk3dR0mFQj0HK+NA5Tumxg5X+7CNEjlbGsNFYMcFsFKzPIKUvr5OPinVqrUx3jWdQLsp6
        Rq1aiwXbjrV/ZqFauFSWfv1ZD6XHQOscwGhoJPTW60r3hd58XRkfOUcp+0hSf/YGfN+grwDr4mhoJNT7K2WMJPoSbxIDATjNRjaj
        iWHESOLj0chmNBOB0dBH0EjUZLTU5CNSizlSOJpVQzQrKOZI4ehov/HKTtIfTWSMJPoSbxLjnMOUB0A/TzOk52fjcfnxvDwwGvoM
        jTlmMCOA0dBIqC9beAgShjABGA2NhPoyTHLAAOzO50c/r/Trv0cl0B0fDVP2ntF+aBGj51jED2MbTlL6E/Rd73eV9h+Dtn0L6os8
        Jig9ChUfNUYZo8aiDUd9iYt8iHr5jwLGor3f7a3sn/ECxrvv4ox3+ys9Hp0/4HOlh8BxcLQfGq0HqTvwtq59hR2FnYSdhV2EXYXd
        hC+SGMFm0MEMfM2goxl0MoPOZtDFDLqaQTczMHPxNXPxNXPxNXPxNXPxNXPxNXPxNXPxNXPxNXPxNXPpaObS0cxlhHPUkmO4PbbC
        rbHVNtzLNukgeZf1hlK/syt+JXibPuKpEjbxgbmeT9d23DXrdWs13WPeMgyyjyF/CI35MQwALXpXo9XHT2irr7T+urUCjwkbwTtW
        zNnWXqqhjfkumO+At0N7oX3QfugkdBr61T/qujaMvOht6psWutNCAW3v1U3ve3W3hW600Iq29yq+hSa3UHALhbTQ1BaabinC0gxL
        oZbmW4qylNRC6S2U3UKZLbTG0toWKrZU0kKFLbTV0jZRe5WKsLmqLFVaqrZ0DW25oa2pCks1lupaqMZbpOO9E5pxR9tvWe39Lava
        fsvKZqxuxrr7aObfRFXb9h4hNkXSUoUVzbxdYKKkJkpqoneasEJYI6TPKvFZJT6rxGeV+KwSn1Xikyw+yRKfLPHJEp8iZ6VIfKr4
        pIqdJnaapKZJTLbEZEtMtlwlW+JzJCZH7FzxyZWYXPHJlfg8ickTO19YIJ4FYq8Re43YJWKXiH+J5FBixdcIWeZSSS2V+FKJL5X4
        Mum/MsmhTHzKJIcy73JhhbBGSP9y8SwXz3LxLBefcvEpF58K8akQnwrxqRCfCvGpEJ9K8akUn0rxqRSfSvGpFJ8q8amS+CqJr5J4
        l8S75FyXnOsSH5f4uMQnw/sCmCmsIQ2fWu8tDDaawSYz2GwGdWawRfzjvTOFWc1GV+V9YyxTmNVsdFXeN8YyhVnNRlflfWMsU5jV
        bKRVthhv9/bj/X33fT11f78kNPVFpVy3Uq7rbvnKFu0v7Yb2zBRmNWvnyhatfe98TGvWblU/OB+rfnAmVjW1yZ+acX/OXEv7M2fc
        f26uNZ9fPzybvn8GVf3A3Pn++VJ130y58INzpOq+3mneFy1bPlnsbKuFaa8We7XY99arokWpml3RKPY2J1yx92YrlCmHNq8RuqS1
        a4Quae0aoUuuWyN0yXVrhC4ZAzVCc02uEbpkPNQIXdLjNUKX9HKN0MwnRZgqTGtWr0y5VqaclSn+mX9D5fw+f3ffVTXdU+6fL/ef
        2/zuk+C9weLDBucs4gzO2pQWoRmfZoUVVryMaAmRr5FiHbtDnuWyQtTdyLbyYxlTrdCMr7COvw1TrLCiWcg5n3pPaMavtsr3bSg9
        Yay2ytU8rGgWcq2okTDNOjbDPKsczUN3PPMtsNqpwIpvHjK/NdbxGst/jRVfYuXvDkut/Est/3Kr/AxdVlgjYYq0x7dhmuXnDs18
        3GGF1c4VVn4VVn4VVrtXWOVnq6RYYYW3IfFspyqr/ausclVa+VRa5am0zm8emvFmfSut+rqs890h7xIuGS8pTWGNNa5cVlhjjSeX
        FdZY48klYWrTsTluTP8cq36rrTC3qf1SrNA832XFu6x4lxVfYYWlTeVPbTpObdYvBVZ6WZOfuz3Tmq5XYaVXNDt2+6VY+aZa16+w
        whIrv0QrvaxpPKVY4949D9Karuvyfhbx5d54LkA5JbQnIJT7Dawyb9nL2M0xkA6L3nLns2d6Z2MfjzXeXuDNPQTPqEZcuXU12V38
        2Ax93Jn6uH19mlxbpSD0IRKs62Z617al/RP1nFKBQ5UKgl5S6jdKPa3Ua0rNxfE8KL77I2pld6XmQLOhf5O/5lev/l2pPyAFXtFQ
        JBQFTYPCIfOX+Xhwg6ZDM6CZQw31L0r9dzwudb9X/+b+a5Xnec2yvCRledq8/Hdd9Bml/lGpf5Zvef03pV5W6lWlXtHqX5X6hVL/
        oFR3D+3DhbNYlk9sQrXGFhTYJJEkNqE0SWxEaZI+W8QkfbaKCaoYKNZSnKUVllZaim+hBEuJLZRkaVULJbdQSgultlBaC6VbyrCU
        aSnLUnYLrW6hnBbKbaG8FspvoYIWWtNCJS1U2kJlLVTeQhUtVNlCVS1Ubcl6claue4WdU2wzxjXjymZMsOjB4dheRp45wjD+/sk9
        OM2B+JyMxeeV+vWf+m6iOeNelm8nvipjvftf+ktSmG7/KjPuf8j0GvqX/toU5uN/yJT8n0pNQSFCBpiLiXvaczJ/Y37co2KgOGgl
        lAAlQUegY9AJqAy65fzb+0jrMrQAWkh/tG0mlAVlQ6uhHCgXyoPyoQJoDbQWWgethwqhIqgYKoFKoTKoHKqAKqEqqBqqgVzQBqgW
        2ght+tCuNiOsg7ZAW6Ft0PYPDbUDYT20E9oF7Yb2IH4vwn3QfugAdBA6hPjDCBugI8iTH63yU1T+no+/2uMHovwcNqmHVkEYj5EY
        qFHQLGg2tBwDdMNbsx9UdR6K/+C3/IvfCxBus2sVx2O+Gl0JYwVUb0epoChMg10ID0BJiD+KsAE6BC3yML9UuxjhCRxPRriKX2yG
        zvC40IG7y2Z+xYlfjZYjJIXQ4FeqvkbsNbuM45sIQhl/G8YdKACOiVA882bBEmCE8pvV72k1E2EMFAvNh4oNdA1UCk1jLksLHZXz
        jb/qbzX+l5dN/7UW7P+k0bQUzFBvGlIYo1kx9J9RBq0+1t91df033izNfn3BghnfU6TvbCL9X1wYfW8TadXP/n+rGP/fzv2/l+3v
        ZfsbKRu/FpxnN1QUbtuzrN/NzIGiobnQPIi/XlsALYQWQYuhJbzNQ8us39nEQFegOGiF/BIOmwcoAUqEkqCpqH+m497fheVAuVCe
        9Qu6Aoi/nFvr4K8DsQWEuKUocpi/7TF/UYctIFQOVTT7bVk1VAMF4TpXEW6BLkA7oItQPX8P9Pd6/r2ef6/nX20990H7HcafeD/w
        /yY18Lmm91Up8i5Jy/uTLOt9U5717qSs2fuYSutdUoH1TifHepeTab1Tcr/XSrPeSeVa74r4Puict/mtixjoPK5lXlerKm8D19N/
        5rV0i+toXEMjfwfy8rDy0chDNztfNzvXaHYO1FZ/R1ma113/b5aleX016qpbtPG376rubWf9F2hjzz/Rl3+Ja1TY9QvPK/3Cc0p3
        gHyhjlAnqDPUBeoKdYNefM7T+GUPfpn+daIn4Uf0It4g3iR6E32I3xJvEW8TfYl3iH7Eu8TviP7EAGIgMYgYTAwh3iPeJz4A5gwd
        wDfIPbkJ0T39lB7ygf7LbmF0b+tbewOQ+4AB/M4cDob0fEL37YkERPbt/wvt99vP9DdDNwxVOttpvtR6wPx13E5+H72W31Gvclrf
        t5d/D+kIf5YlvzhZIb8w5L9/E9Pg/nceN/LngxFF7n+iKoNxSxhXetP9E7YkfrP9An8bWMBv2c/hP/8SzX+iZwd/YC/f7pcv9rv4
        3Xr5prx8cV6+Lj+VLvKDr20sYyC/jX+Tv2MLZVYB+91f4pdv/Gefdv9LV7nJ8u8Pag80e8omvrqHgYuYBupmxeRZRsFhy8BVTGPn
        WcvYv9Id44LRSs1jXc8nqGUP/+Ciluoolv+znPx/55oZRhO+M6Upzv3HUPf/aYqzN53h0XT8Xad8VyaKr5UfUE+2iNMtT7B/39kt
        ruC453irZk4aetyMeNwsJaajHWVt4/OIaTyKcf6AnG80u7BxT85JUqaFSj9Ub29lzFPqljZUbzT1f3zpwFX+qNQMXqzafuinGn/s
        zyJZr/dQf61/9H9d0Rzf0zk/MAh+0JfteX/55Y/9P1X1pvpbo6Np1N4zJTTHs3gsNdTD7TC1PIxH9ROGoR/RbZQ1XBzCZ5RMQqn5
        wcf1t38MrTk6zP8eaf3A9ybxyvbFRYZ+MBh7PLs6r/n/KVO3Pf8XEDbKNQ==
        """;
}
