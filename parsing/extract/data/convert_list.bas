REM xxgk: convert a list of documents, each loaded as a bare model (no view, no layout).
REM ConvertList(list): each line of the list file is  id TAB input-URL TAB output-URL TAB filter.
REM After each document one line  id TAB ok|error|nofilter TAB detail  is appended to list.done
REM (the file is closed after every line, so a killed run still tells what it finished), and
REM after the last one the line  * TAB end.
REM Serve(dir, pid): a resident converter. Converts every dir/*.jobs list that appears (the
REM caller renames a finished list into place), deletes it, and polls again; stops when
REM dir/stop appears, when process pid is gone (/proc/pid), or after 10 idle minutes.

Sub Serve(sDir As String, sParent As String)
    Dim sName As String, iIdle As Long
    iIdle = 0
    Do
        If FileExists(sDir & "/stop") Then Exit Do
        sName = Dir(sDir & "/*.jobs")
        If sName <> "" And Right(sName, 5) = ".jobs" Then
            ServeOne(sDir & "/" & sName)
            iIdle = 0
        Else
            Wait 20
            iIdle = iIdle + 20
            If iIdle Mod 1000 = 0 Then
                If Not FileExists("/proc/" & sParent & "/stat") Then Exit Do
            End If
            If iIdle > 600000 Then Exit Do
        End If
    Loop
    StarDesktop.terminate()
End Sub

Sub ServeOne(sList As String)
    On Error GoTo Failed
    ConvertList(sList)
    Kill sList
    Exit Sub
Failed:
    On Error Resume Next
    Report(sList, "*" & Chr(9) & "error" & Chr(9) & Error$)
    Kill sList
End Sub

Sub ConvertList(sList As String)
    On Error GoTo Failed
    Dim oDetect As Object, iIn As Integer, sLine As String, sStatus As String
    oDetect = createUnoService("com.sun.star.document.TypeDetection")
    iIn = FreeFile
    Open sList For Input As #iIn
    Do While Not EOF(iIn)
        Line Input #iIn, sLine
        If Len(sLine) > 0 Then
            sStatus = ConvertOne(oDetect, Split(sLine, Chr(9)))
            Report(sList, sStatus)
        End If
    Loop
    Close #iIn
    Report(sList, "*" & Chr(9) & "end")
    Exit Sub
Failed:
    Report(sList, "*" & Chr(9) & "error" & Chr(9) & Error$)
End Sub

Sub Report(sList As String, sStatus As String)
    Dim iOut As Integer
    iOut = FreeFile
    Open sList & ".done" For Append As #iOut
    Print #iOut, sStatus
    Close #iOut
End Sub

Function ConvertOne(oDetect As Object, parts) As String
    On Error GoTo Failed
    Dim oDoc As Object, sType As String, sFilter As String, i As Integer
    Dim aDesc(0) As New com.sun.star.beans.PropertyValue
    aDesc(0).Name = "URL" : aDesc(0).Value = parts(1)
    sType = oDetect.queryTypeByDescriptor(aDesc, True)
    sFilter = ""
    For i = 0 To UBound(aDesc)
        If aDesc(i).Name = "FilterName" Then sFilter = aDesc(i).Value
    Next i
    If sFilter = "" Then
        ConvertOne = parts(0) & Chr(9) & "nofilter" & Chr(9) & sType
        Exit Function
    End If
    oDoc = createUnoService("com.sun.star.text.TextDocument")
    Dim aLoad(3) As New com.sun.star.beans.PropertyValue
    aLoad(0).Name = "URL" : aLoad(0).Value = parts(1)
    aLoad(1).Name = "FilterName" : aLoad(1).Value = sFilter
    aLoad(2).Name = "MacroExecutionMode" : aLoad(2).Value = 0
    aLoad(3).Name = "UpdateDocMode" : aLoad(3).Value = 0
    oDoc.load(aLoad)
    Dim aStore(0) As New com.sun.star.beans.PropertyValue
    aStore(0).Name = "FilterName" : aStore(0).Value = parts(3)
    oDoc.storeToURL(parts(2), aStore)
    oDoc.close(True)
    ConvertOne = parts(0) & Chr(9) & "ok" & Chr(9) & sFilter
    Exit Function
Failed:
    ConvertOne = parts(0) & Chr(9) & "error" & Chr(9) & Error$
    On Error Resume Next
    If Not IsNull(oDoc) Then oDoc.close(True)
End Function
