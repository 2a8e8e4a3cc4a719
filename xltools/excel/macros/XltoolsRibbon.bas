Attribute VB_Name = "XltoolsRibbon"
' xltools add-in dispatcher: every ribbon button and every in-sheet button of the official templates ends here
' and passes its id to Python (xltools.excel.desktop.run). The Python side reads the active workbook, runs the
' core and reports in Chinese; this module only starts it.
'
' This source must stay ASCII: the VBA project stores module text in the ANSI code page (1252), so Chinese text
' is built from Unicode code points with U("9884 7B97") -> ChrW(&H9884) & ChrW(&H7B97).
'
' RunPython is the standalone xlwings module built into this add-in (module "xlwings", PROJECT_NAME "xltools"):
' its settings come from the sheet "xltools.conf" of this add-in or the file %USERPROFILE%\.xltools\xltools.conf
' (Mac: ~/Library/Containers/com.microsoft.Excel/Data/xltools.conf).
Option Explicit

Private Const BUTTON_IDS As String = "|fill_codes|recompute|check|clear_marks|explain|add_project|refresh_codes|"

' Ribbon callback (customUI.xml: onAction="XltoolsButton").
Public Sub XltoolsButton(control As IRibbonControl)
    XltoolsRun control.Id
End Sub

' In-sheet Form Control buttons (macro 'xltools.xlam'!XltoolsSheetButton). A button named "xltools_<id>"
' runs <id>; a button named otherwise is recognised by its caption (the Chinese label of a ribbon button).
Public Sub XltoolsSheetButton()
    Dim caller As String, id As String
    On Error Resume Next
    caller = CStr(Application.Caller)
    On Error GoTo 0
    If Left$(caller, 8) = "xltools_" Then
        id = Mid$(caller, 9)
    Else
        id = IdFromCaption(ButtonCaption(caller))
    End If
    If id = "" Then
        MsgBox U("672A 77E5 7684 6309 94AE FF1A") & caller, vbExclamation, U("9884 7B97 5DE5 5177")
        Exit Sub
    End If
    XltoolsRun id
End Sub

' One entry point per button as well, for Application.Run and for buttons bound by name.
Public Sub XltoolsFillCodes()
    XltoolsRun "fill_codes"
End Sub

Public Sub XltoolsRecompute()
    XltoolsRun "recompute"
End Sub

Public Sub XltoolsCheck()
    XltoolsRun "check"
End Sub

Public Sub XltoolsClearMarks()
    XltoolsRun "clear_marks"
End Sub

Public Sub XltoolsExplain()
    XltoolsRun "explain"
End Sub

Public Sub XltoolsAddProject()
    XltoolsRun "add_project"
End Sub

Public Sub XltoolsRefreshCodes()
    XltoolsRun "refresh_codes"
End Sub

Public Sub XltoolsRun(ByVal id As String)
    If InStr(1, BUTTON_IDS, "|" & id & "|", vbBinaryCompare) = 0 Then
        MsgBox U("672A 77E5 7684 6309 94AE FF1A") & id, vbExclamation, U("9884 7B97 5DE5 5177")
        Exit Sub
    End If
    If ActiveWorkbook Is Nothing Then
        ' "Please open the budget workbook to work on first, then click the button."
        MsgBox U("8BF7 5148 6253 5F00 8981 5904 7406 7684 9884 7B97 5DE5 4F5C 7C3F FF0C 518D 70B9 51FB 6309 94AE 3002"), _
               vbInformation, U("9884 7B97 5DE5 5177")
        Exit Sub
    End If
    Dim arg As String
    If id = "add_project" Then
        ' "Name of the new project:" / "Add a project sheet"
        arg = Trim$(InputBox(U("8BF7 8F93 5165 65B0 9879 76EE 7684 540D 79F0 FF1A"), U("65B0 589E 9879 76EE 8868")))
        If arg = "" Then Exit Sub
        arg = HexCodes(arg)
    End If
    On Error GoTo Failed
    RunPython "import xltools.excel.desktop as d; d.run('" & id & "', '" & arg & "')"
    Exit Sub
Failed:
    ' "Python could not be run." + "Check the Python interpreter setting ... or ask IT." + "Error: "
    MsgBox U("65E0 6CD5 8FD0 884C") & " Python" & U("3002") & vbCrLf & vbCrLf & _
           U("8BF7 68C0 67E5") & " Python " & U("89E3 91CA 5668 8BBE 7F6E FF08 7528 6237 76EE 5F55 4E0B") & _
           " .xltools\xltools.conf " & U("4E2D 7684") & " INTERPRETER_WIN / INTERPRETER_MAC" & _
           U("FF09 FF0C 6216 8054 7CFB 4FE1 606F 6280 672F 4EBA 5458 3002") & vbCrLf & vbCrLf & _
           U("9519 8BEF 4FE1 606F FF1A") & Err.Description, vbCritical, U("9884 7B97 5DE5 5177")
End Sub

Private Function ButtonCaption(ByVal shapeName As String) As String
    On Error Resume Next
    ButtonCaption = ActiveSheet.Shapes(shapeName).TextFrame.Characters.Text
End Function

Private Function IdFromCaption(ByVal caption As String) As String
    caption = Trim$(caption)
    Select Case caption
        Case U("586B 5145 79D1 76EE 540D 79F0"): IdFromCaption = "fill_codes"      ' fill in account names
        Case U("91CD 7B97 5408 8BA1"): IdFromCaption = "recompute"                  ' recompute totals
        Case U("6821 9A8C"): IdFromCaption = "check"                                ' check
        Case U("6E05 9664 6807 8BB0"): IdFromCaption = "clear_marks"                ' clear marks
        Case U("751F 6210 60C5 51B5 8BF4 660E"): IdFromCaption = "explain"          ' write the narrative
        Case U("65B0 589E 9879 76EE 8868"): IdFromCaption = "add_project"           ' add a project sheet
        Case U("5237 65B0 79D1 76EE 5217 8868"): IdFromCaption = "refresh_codes"    ' refresh code lists
        Case Else: IdFromCaption = ""
    End Select
End Function

' Text typed by the user as hexadecimal code points ("9879 76EE"), so that the Python command line stays ASCII.
Private Function HexCodes(ByVal s As String) As String
    Dim i As Long, out As String
    For i = 1 To Len(s)
        out = out & Hex$(AscW(Mid$(s, i, 1)) And &HFFFF&) & " "
    Next i
    HexCodes = Trim$(out)
End Function

' "9884 7B97" -> ChrW(&H9884) & ChrW(&H7B97): Unicode text from code points, so that this file stays ASCII.
Public Function U(ByVal codes As String) As String
    Dim parts() As String, i As Long, s As String
    parts = Split(Trim$(codes), " ")
    For i = LBound(parts) To UBound(parts)
        If parts(i) <> "" Then s = s & ChrW(CLng("&H" & parts(i)))
    Next i
    U = s
End Function
